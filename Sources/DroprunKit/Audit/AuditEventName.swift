/// The closed set of audit event names.
public enum AuditEventName: String, Sendable, CaseIterable {
    /// A dropped file was refused (`data`: file, reason, rejectedAs, errors).
    case requestRejected = "request.rejected"
    /// A request was accepted as a run (`data`: file, workflow, sha256).
    case runQueued = "run.queued"
    /// A runner began the run.
    case runStarted = "run.started"
    /// The run paused at an approval step.
    case runWaitingApproval = "run.waiting_approval"
    /// A paused run continued after an approval.
    case runResumed = "run.resumed"
    /// A runner took over a run left unfinished by a crashed or stopped runner.
    case runRecovered = "run.recovered"
    /// The run succeeded (`data`: durationMs).
    case runSucceeded = "run.succeeded"
    /// The run failed (`data`: code, message, step).
    case runFailed = "run.failed"
    /// The run was cancelled.
    case runCancelled = "run.cancelled"
    /// A step attempt began (`data`: step, provider, attempt).
    case stepStarted = "step.started"
    /// A step succeeded (`data`: step, attempt, durationMs).
    case stepSucceeded = "step.succeeded"
    /// A step failed for good (`data`: step, attempt, code, message, retryable).
    case stepFailed = "step.failed"
    /// A step attempt failed and will be tried again (`data`: step, attempt, code, message, delayMs).
    case stepRetry = "step.retry"
    /// A step was skipped because the run ended before it.
    case stepSkipped = "step.skipped"
    /// A step wrote an artifact (`data`: step, name, path, size, sha256).
    case artifactWritten = "artifact.written"
    /// An approval or rejection arrived for a waiting run.
    case approvalReceived = "approval.received"
    /// A cancel request arrived for a run.
    case cancelReceived = "cancel.received"
    /// `gc` removed (or archived) a finished run (`data`: sha256 of its request, finishedAt, archivedTo).
    case runPurged = "run.purged"
    /// The first line of an audit segment (`data`: chain, segment, previous): its `prev` is the last hash of the segment before.
    case auditSegment = "audit.segment"
    /// A run's notification was delivered (`data`: kind, endpoint, path, status, attempts).
    case notificationSent = "notification.sent"
    /// A run's notification was given up (`data`: kind, endpoint, path, attempts, error).
    case notificationFailed = "notification.failed"
}
