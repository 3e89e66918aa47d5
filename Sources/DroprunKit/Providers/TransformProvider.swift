/// `transform`: applies `op` to `value`.
public struct TransformProvider: Provider {
    /// The operations `transform` knows.
    public enum Operation: String, Sendable, CaseIterable {
        /// Upper-cases a string.
        case uppercase
        /// Lower-cases a string.
        case lowercase
        /// Removes leading and trailing white space from a string.
        case trim
        /// Counts the words of a string.
        case wordCount
        /// Counts the lines of a string.
        case lineCount
        /// Keeps the members named by `fields` of an object.
        case pick
        /// Parses a string as JSON.
        case jsonParse
    }

    public init() {}
    public var mayWait: Bool { false }
    public var name: String { "transform" }
    public var summary: String { "applies 'op' (\(Operation.allCases.map(\.rawValue).joined(separator: ", "))) to 'value'" }

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        _ = with.value("value", required: true)
        let op = with.choice("op", Operation.allCases.map(\.rawValue), required: true)
        let fields = with.stringArray("fields")
        if op == Operation.pick.rawValue, fields == nil, with.members["fields"] == nil {
            with.report(ValidationIssue(with.path.key("fields"), "required when op is 'pick', but missing"))
        }
    }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let value = r.value("value", required: true) ?? .null
        let op = r.choice("op", Operation.allCases.map(\.rawValue), required: true).flatMap(Operation.init(rawValue:))
        let fields = r.stringArray("fields")
        try context.check(r)
        guard let op else { throw StepFailure(.invalidInput, "no operation") }
        return ["value": try apply(op, to: value, fields: fields ?? [])]
    }

    func apply(_ op: Operation, to value: JSONValue, fields: [String]) throws(StepFailure) -> JSONValue {
        func text() throws(StepFailure) -> String {
            guard case .string(let s) = value else {
                throw StepFailure(.invalidInput, "'\(op.rawValue)' needs a string value, found \(value.typeName)")
            }
            return s
        }
        switch op {
        case .uppercase: return .string(try text().uppercased())
        case .lowercase: return .string(try text().lowercased())
        case .trim: return .string(try text().trimmingWhitespace())
        case .wordCount: return .int(try text().split(whereSeparator: { $0.isWhitespace }).count)
        case .lineCount:
            // Counted on bytes: a Swift Character joins "\r\n" into one, which a split on "\n" would miss.
            let bytes = Array(try text().utf8)
            guard let last = bytes.last else { return .int(0) }
            let newlines = bytes.filter { $0 == 0x0A }.count
            return .int(last == 0x0A ? newlines : newlines + 1)
        case .pick:
            guard case .object(let members) = value else {
                throw StepFailure(.invalidInput, "'pick' needs an object value, found \(value.typeName)")
            }
            var picked = JSONObject()
            for field in fields {
                guard let v = members[field] else {
                    throw StepFailure(
                        .transformError, "'pick': the value has no field '\(field)'; it has: \(members.keys.sorted().joined(separator: ", "))")
                }
                picked[field] = v
            }
            return .object(picked)
        case .jsonParse:
            let s = try text()
            do {
                return try JSONParser.parse(s)
            } catch {
                throw StepFailure(.transformError, "'jsonParse': not JSON: \(error)")
            }
        }
    }
}

extension String {
    /// The string without leading and trailing white space and newlines.
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
