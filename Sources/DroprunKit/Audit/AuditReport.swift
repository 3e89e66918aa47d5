/// The outcome of checking every chain.
public struct AuditReport: Sendable, Equatable {
    /// Segment files checked.
    public var files = 0
    /// Chains checked (a chain is one or more segments).
    public var chains = 0
    /// Events checked.
    public var events = 0
    /// The first problem of each broken file (a segment or a head record).
    public var problems: [AuditProblem] = []
}
