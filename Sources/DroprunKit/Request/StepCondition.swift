/// A step's `when`: a condition on the request's input and earlier steps' outputs.
///
/// Operands are JSON values in which `{{...}}` references are resolved first;
/// a reference that names nothing (a step that was skipped, a missing member)
/// is *absent*: `exists` is false for it, and it equals nothing.
///
/// ```
/// {"equals": [A, B]}   {"notEquals": [A, B]}   {"in": [A, [B, C, ...]]}
/// {"exists": "{{steps.x.output.y}}"}
/// {"all": [COND, ...]}   {"any": [COND, ...]}   {"not": COND}
/// ```
public indirect enum StepCondition: Sendable, Equatable {
    case equals(JSONValue, JSONValue)
    case notEquals(JSONValue, JSONValue)
    /// The first operand is one of the second's elements (the second resolves to an array).
    case isIn(JSONValue, JSONValue)
    /// The reference names something (not null).
    case exists(JSONValue)
    case all([StepCondition])
    case any([StepCondition])
    case not(StepCondition)

    /// The operators, as written.
    static let operators = ["equals", "notEquals", "in", "exists", "all", "any", "not"]

    /// Whether the condition holds for the values `resolver` reaches.
    public func holds(in resolver: ReferenceResolver) -> Bool {
        switch self {
        case .equals(let a, let b):
            guard let a = Self.value(a, resolver), let b = Self.value(b, resolver) else { return false }
            return a == b
        case .notEquals(let a, let b):
            // An absent operand equals nothing, so it is unequal to everything.
            guard let a = Self.value(a, resolver), let b = Self.value(b, resolver) else { return true }
            return a != b
        case .isIn(let a, let list):
            guard let a = Self.value(a, resolver), let elements = Self.value(list, resolver)?.arrayValue else { return false }
            return elements.contains(a)
        case .exists(let a):
            guard let a = Self.value(a, resolver) else { return false }
            return a != .null
        case .all(let conditions):
            return conditions.allSatisfy { $0.holds(in: resolver) }
        case .any(let conditions):
            return conditions.contains { $0.holds(in: resolver) }
        case .not(let condition):
            return !condition.holds(in: resolver)
        }
    }

    /// An operand with its references resolved; nil when one names nothing.
    private static func value(_ operand: JSONValue, _ resolver: ReferenceResolver) -> JSONValue? {
        try? resolver.resolve(operand, at: .root)
    }

    /// The condition as written in the workflow (for `skipped` reasons and `show`).
    public var json: JSONValue {
        switch self {
        case .equals(let a, let b): ["equals": [a, b]]
        case .notEquals(let a, let b): ["notEquals": [a, b]]
        case .isIn(let a, let b): ["in": [a, b]]
        case .exists(let a): ["exists": a]
        case .all(let c): ["all": .array(c.map(\.json))]
        case .any(let c): ["any": .array(c.map(\.json))]
        case .not(let c): ["not": c.json]
        }
    }

    /// Every operand, for the reference checks done when a request is dropped.
    var operands: [JSONValue] {
        switch self {
        case .equals(let a, let b), .notEquals(let a, let b), .isIn(let a, let b): [a, b]
        case .exists(let a): [a]
        case .all(let c), .any(let c): c.flatMap(\.operands)
        case .not(let c): c.operands
        }
    }

    /// Reads a condition at `path`; nil with `issues` when it is not one.
    static func read(_ json: JSONValue, at path: JSONPath, issues: inout [ValidationIssue]) -> StepCondition? {
        let form = "one of \(operators.joined(separator: ", ")): {\"equals\": [A, B]}"
        guard case .object(let members) = json, members.count == 1, let op = members.keys.first, let operand = members[op] else {
            issues.append(ValidationIssue(path, "expected a condition, an object with one member, \(form); found \(json.typeName) \(json.preview)"))
            return nil
        }
        let at = path.key(op)
        func pair() -> (JSONValue, JSONValue)? {
            guard let elements = operand.arrayValue, elements.count == 2 else {
                issues.append(ValidationIssue(at, "expected an array of two values [A, B], found \(operand.typeName) \(operand.preview)"))
                return nil
            }
            return (elements[0], elements[1])
        }
        func list() -> [StepCondition]? {
            guard let elements = operand.arrayValue, !elements.isEmpty else {
                issues.append(ValidationIssue(at, "expected a non-empty array of conditions, found \(operand.typeName) \(operand.preview)"))
                return nil
            }
            let read = elements.enumerated().map { Self.read($0.element, at: at.index($0.offset), issues: &issues) }
            let conditions = read.compactMap { $0 }
            return conditions.count == read.count ? conditions : nil
        }
        switch op {
        case "equals": return pair().map { .equals($0, $1) }
        case "notEquals": return pair().map { .notEquals($0, $1) }
        case "in":
            guard let (a, b) = pair() else { return nil }
            if b.arrayValue == nil, !Self.isWholeReference(b) {
                issues.append(
                    ValidationIssue(at.index(1), "expected an array, or one {{...}} reference to an array, found \(b.typeName) \(b.preview)"))
                return nil
            }
            return .isIn(a, b)
        case "exists": return .exists(operand)
        case "all": return list().map { .all($0) }
        case "any": return list().map { .any($0) }
        case "not": return Self.read(operand, at: at, issues: &issues).map { .not($0) }
        default:
            var message = "unknown condition '\(op)': expected \(form)"
            if let near = Suggestion.nearest(to: op, among: operators) { message += "; did you mean '\(near)'?" }
            issues.append(ValidationIssue(path.key(op), message))
            return nil
        }
    }

    /// True for a string that is exactly one reference (`"{{steps.a.output.list}}"`).
    static func isWholeReference(_ value: JSONValue) -> Bool {
        guard let text = value.stringValue, let segments = Reference.segments(of: text), segments.count == 1,
            case .reference = segments[0]
        else { return false }
        return true
    }
}
