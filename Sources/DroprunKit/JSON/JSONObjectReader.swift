/// Reads the members of one JSON object strictly, collecting every problem.
///
/// Each accessor records the key as known; `finish()` then reports any member
/// that no accessor asked for as unknown, with the nearest known name, so a
/// typo never passes silently.
public struct JSONObjectReader {
    /// The object's members.
    public let members: JSONObject
    /// Where the object is.
    public let path: JSONPath
    /// Problems found so far.
    public private(set) var issues: [ValidationIssue] = []
    private var known: [String] = []
    /// When true, a string that is exactly one `{{...}}` reference passes any type check
    /// (its value is only known when the step runs, and is checked again then).
    public var referencesAllowed = false

    /// Starts reading `value`, which must be an object; otherwise records an issue.
    public init(_ value: JSONValue, at path: JSONPath, what: String = "an object") {
        self.path = path
        if case .object(let o) = value {
            members = o
        } else {
            members = JSONObject()
            issues.append(ValidationIssue(path, "expected \(what), found \(value.typeName)"))
        }
    }

    /// Records an issue found by the caller.
    public mutating func report(_ issue: ValidationIssue) { issues.append(issue) }

    /// Records issues found by the caller.
    public mutating func report(_ more: [ValidationIssue]) { issues.append(contentsOf: more) }

    /// The raw member, marking it known.
    public mutating func value(_ key: String, required: Bool = false) -> JSONValue? {
        known.append(key)
        guard let v = members[key] else {
            if required { issues.append(ValidationIssue(path.key(key), "required, but missing")) }
            return nil
        }
        return v
    }

    /// The member for a typed accessor: nil when absent or when it is a reference resolved later.
    private mutating func typed(_ key: String, required: Bool) -> JSONValue? {
        guard let v = value(key, required: required) else { return nil }
        if referencesAllowed, case .string(let s) = v, Reference.whole(s) != nil { return nil }
        return v
    }

    /// A string member.
    public mutating func string(_ key: String, required: Bool = false) -> String? {
        guard let v = typed(key, required: required) else { return nil }
        guard case .string(let s) = v else {
            issues.append(ValidationIssue(path.key(key), "expected a string, found \(v.typeName) \(v.preview)"))
            return nil
        }
        return s
    }

    /// A whole-number member within `range`.
    public mutating func int(_ key: String, in range: ClosedRange<Int>, required: Bool = false) -> Int? {
        guard let v = typed(key, required: required) else { return nil }
        guard let n = v.intValue else {
            issues.append(ValidationIssue(path.key(key), "expected a whole number, found \(v.typeName) \(v.preview)"))
            return nil
        }
        guard range.contains(n) else {
            issues.append(ValidationIssue(path.key(key), "expected a whole number from \(range.lowerBound) to \(range.upperBound), found \(n)"))
            return nil
        }
        return n
    }

    /// A number member within `range`.
    public mutating func number(_ key: String, in range: ClosedRange<Double>, required: Bool = false, rangeText: String? = nil) -> Double? {
        guard let v = typed(key, required: required) else { return nil }
        guard let n = v.numberValue else {
            issues.append(ValidationIssue(path.key(key), "expected a number, found \(v.typeName) \(v.preview)"))
            return nil
        }
        guard range.contains(n) else {
            issues.append(
                ValidationIssue(
                    path.key(key),
                    "expected a number \(rangeText ?? "from \(JSONWriter.compact(.double(range.lowerBound))) to \(JSONWriter.compact(.double(range.upperBound)))"), found \(JSONWriter.compact(v))"
                ))
            return nil
        }
        return n
    }

    /// A boolean member.
    public mutating func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let v = typed(key, required: required) else { return nil }
        guard case .bool(let b) = v else {
            issues.append(ValidationIssue(path.key(key), "expected true or false, found \(v.typeName) \(v.preview)"))
            return nil
        }
        return b
    }

    /// A string member that must be one of `choices`.
    public mutating func choice(_ key: String, _ choices: [String], required: Bool = false) -> String? {
        guard let s = string(key, required: required) else { return nil }
        guard choices.contains(s) else {
            var message = "expected one of \(choices.map { "'\($0)'" }.joined(separator: ", ")), found '\(s)'"
            if let near = Suggestion.nearest(to: s, among: choices) { message += "; did you mean '\(near)'?" }
            issues.append(ValidationIssue(path.key(key), message))
            return nil
        }
        return s
    }

    /// An array of strings.
    public mutating func stringArray(_ key: String, required: Bool = false) -> [String]? {
        guard let v = typed(key, required: required) else { return nil }
        guard case .array(let elements) = v else {
            issues.append(ValidationIssue(path.key(key), "expected an array of strings, found \(v.typeName)"))
            return nil
        }
        var result: [String] = []
        for (i, e) in elements.enumerated() {
            guard case .string(let s) = e else {
                issues.append(ValidationIssue(path.key(key).index(i), "expected a string, found \(e.typeName) \(e.preview)"))
                continue
            }
            result.append(s)
        }
        return result
    }

    /// Reports every member no accessor asked for.
    public mutating func finish() {
        for key in members.keys.sorted() where !known.contains(key) {
            var message = "unknown key '\(key)'"
            if let near = Suggestion.nearest(to: key, among: known) {
                message += "; did you mean '\(near)'?"
            } else {
                message += "; known keys: \(known.joined(separator: ", "))"
            }
            issues.append(ValidationIssue(path.key(key), message))
        }
    }
}
