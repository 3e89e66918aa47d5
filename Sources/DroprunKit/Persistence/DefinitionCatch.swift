import Synchronization

/// What `RequestDecoder.onDefinition` reported, kept behind a lock (the closure must be `Sendable`).
final class DefinitionCatch: Sendable {
    private let caught = Mutex<(definition: JSONValue, file: String?)?>(nil)

    func set(_ definition: JSONValue, _ file: String?) { caught.withLock { $0 = (definition, file) } }

    var value: (definition: JSONValue, file: String?)? { caught.withLock { $0 } }
}
