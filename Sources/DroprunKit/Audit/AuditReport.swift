/// The outcome of checking every chain.
public struct AuditReport: Sendable, Equatable {
    /// Files checked.
    public var files = 0
    /// Events checked.
    public var events = 0
    /// The first problem of each broken file.
    public var problems: [AuditProblem] = []
}
