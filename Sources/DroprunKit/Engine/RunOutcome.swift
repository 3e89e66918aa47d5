/// What became of one dropped file, reported as `run --once` goes.
public struct RunOutcome: Sendable, Equatable {
    /// The kinds of end.
    public enum Kind: Sendable, Equatable {
        /// The run finished with this status.
        case finished(RunStatus)
        /// The file was refused.
        case rejected(RejectionReason)
        /// A control message was applied.
        case control
        /// The run waits for an approval.
        case waiting
    }

    /// How it ended.
    public var kind: Kind
    /// The file as dropped.
    public var file: String
    /// The run id, when it became a run.
    public var runId: String?
    /// Run time, for finished runs.
    public var durationMs: Int?
    /// Error code or rejection detail.
    public var detail: String?
}

/// Counts of what `run --once` did.
public struct RunOnceSummary: Sendable, Equatable {
    /// Every outcome, in the order they happened.
    public var outcomes: [RunOutcome] = []

    /// Runs that ended with `status`.
    public func count(_ status: RunStatus) -> Int {
        outcomes.filter { $0.kind == .finished(status) }.count
    }

    /// Files refused.
    public var rejected: Int {
        outcomes.filter { if case .rejected = $0.kind { true } else { false } }.count
    }

    /// True when nothing failed, was cancelled or was refused.
    public var allSucceeded: Bool {
        rejected == 0 && count(.failed) == 0 && count(.cancelled) == 0
    }
}
