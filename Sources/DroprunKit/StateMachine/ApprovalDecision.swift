/// A decision dropped for a waiting run.
public struct ApprovalDecision: Sendable, Equatable {
    /// True to approve, false to reject.
    public var approve: Bool
    /// Who decided, when said.
    public var by: String?
    /// Their note, when given.
    public var note: String?
    /// The dropped file the decision came from, when it came from one.
    public var source: ControlSource?

    public init(approve: Bool, by: String?, note: String?, source: ControlSource? = nil) {
        self.approve = approve
        self.by = by
        self.note = note
        self.source = source
    }

    /// The approval step's output.
    var output: JSONValue {
        ["decision": .string(approve ? "approve" : "reject"), "by": by.map(JSONValue.string) ?? .null, "note": note.map(JSONValue.string) ?? .null]
    }
}
