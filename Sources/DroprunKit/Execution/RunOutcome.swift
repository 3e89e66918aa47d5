/// What became of one dropped file, reported as `run --once` goes.
public struct RunOutcome: Sendable, Equatable {
    /// The kinds of end.
    public enum Kind: Sendable, Hashable {
        /// The run finished with this status.
        case finished(RunStatus)
        /// The file was refused.
        case rejected(RejectionReason)
        /// A control message was applied.
        case control
        /// The run waits for an approval.
        case waiting
        /// The file could not be admitted for now (a disk error): it stays claimed and is tried again later.
        case deferred
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

    /// What is said of a run that reached a final status: its status, duration and error code; `file` defaults to its request's file.
    static func finished(_ record: RunRecord, file: String? = nil) -> RunOutcome {
        RunOutcome(
            kind: .finished(record.status), file: file ?? record.requestFile, runId: record.runId, durationMs: record.durationMs,
            detail: record.error?.code.rawValue)
    }
}
