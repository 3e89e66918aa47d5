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

    /// Whether the condition holds for the values `resolver` reaches.
    public func holds(in resolver: ReferenceResolver) -> Bool {
        // Skeleton: the graph-decoding helper builds this.
        true
    }

    /// The condition as written in the workflow (for `skipped` reasons and `show`).
    public var json: JSONValue {
        // Skeleton: the graph-decoding helper builds this.
        .null
    }
}
