/// One problem found in a JSON document: where it is and what to do about it.
public struct ValidationIssue: Sendable, Equatable, CustomStringConvertible {
    /// The JSON path of the value, when the problem is about one.
    public var path: JSONPath?
    /// What was found, what was expected, and the nearest valid name where that helps.
    public var message: String

    public init(_ path: JSONPath?, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String {
        if let path { return "\(path): \(message)" }
        return message
    }

    /// The issue as JSON, as `.error.json` files and `--json` output carry it.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["message": .string(message)]
        if let path { o["path"] = .string(path.description) }
        return .object(o)
    }
}
