/// `echo`: outputs its `with` object as it is (after references are resolved).
public struct EchoProvider: Provider {
    public init() {}
    public var mayWait: Bool { false }
    public var name: String { "echo" }
    public var summary: String { "outputs its 'with' object unchanged" }

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        for key in with.members.keys { _ = with.value(key) }
    }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        .object(with)
    }
}
