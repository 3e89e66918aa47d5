/// What became of a claimed file.
enum Admission: Sendable {
    /// A run, now reserved under `outbox/requests/<runId>.json`; the claim file is removed once its record is written.
    case run(RunRecord, RunRequest, claimPath: String)
    /// A claim left by a dead runner whose run is already recorded elsewhere; the claim was removed.
    case nothing
    /// A control message.
    case control(ControlMessage, ClaimedFile)
    /// Moved to `outbox/rejected/`.
    case rejected(Rejection, rejectedAs: String)
    /// Not JSON (or empty) while it may still be being written: left in the claim folder, to be read again.
    case incomplete
}
