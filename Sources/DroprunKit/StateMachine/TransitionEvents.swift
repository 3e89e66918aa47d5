/// The audit events a run transition implies, in order.
public struct TransitionEvents: Sendable, Equatable {
    /// Recorded at once.
    public var now: [AuditEvent] = []
    /// Recorded once the record (or the result) the transition leads to is written: an event never claims a state
    /// that was not written.
    public var afterWrite: [AuditEvent] = []

    public init(now: [AuditEvent] = [], afterWrite: [AuditEvent] = []) {
        self.now = now
        self.afterWrite = afterWrite
    }
}
