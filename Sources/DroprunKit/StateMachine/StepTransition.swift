import Foundation

/// A step's transition with what goes with it; `StepRecord.apply(_:at:)` applies one.
public enum StepTransition: Sendable, Equatable {
    /// Its first attempt begins (pending to running): one more attempt, `startedAt`; says `step.started`.
    case start
    /// Another attempt begins after a retryable failure (running to running): one more attempt; says `step.started`.
    case retry
    /// An attempt produced `output` after `durationMs` (running to succeeded): `output`, `finishedAt`; says `step.succeeded`.
    case succeed(output: JSONValue, durationMs: Int)
    /// An approval step was approved (running to succeeded): the decision as `output`, `finishedAt`; the run's
    /// `approval.received` says it, so no event of its own.
    case approve(output: JSONValue)
    /// It failed for good (running, or pending when it could not even start, to failed): `error`, `finishedAt`
    /// (and `startedAt` and one attempt when it never started); says `step.failed`.
    case fail(StepFailure)
    /// The run was cancelled while it ran (running to failed with `cancelled`): `error`, `finishedAt`; the run's
    /// `run.cancelled` says it.
    case cancel
    /// It will not run (pending to skipped): the run ended first, its `when` did not hold, a step it needs was
    /// skipped; `detail` says more (the condition); says `step.skipped` with the reason.
    case skip(SkipReason, detail: String? = nil)
    /// Its attempt was cut short by a crash or a stop (running to pending): it runs again, its attempts so far count.
    case interrupt

    /// The arrow of the step machine this transition takes (one whatever the step's status: the table decides if it is legal).
    var event: StepEvent {
        switch self {
        case .start: .start
        case .retry: .retry
        case .succeed, .approve: .succeed
        case .fail, .cancel: .fail
        case .skip: .skip
        case .interrupt: .interrupt
        }
    }
}

extension StepRecord {
    /// The error of a step cut short by a cancel.
    static let cancelledFailure = StepFailure(.cancelled, "the run was cancelled")

    /// Applies `transition` at `now`: checks the arrow, sets every field that goes with it, and returns the audit event it implies.
    ///
    /// The step is unchanged when the arrow is illegal.
    @discardableResult
    public mutating func apply(_ transition: StepTransition, at now: Date) throws(IllegalTransition) -> AuditEvent? {
        if case .fail = transition, status == .pending {
            // A step that fails before its first attempt could start (its provider is missing) still started.
            try apply(.start)
            startedAt = startedAt ?? now
            attempts = max(1, attempts)
        }
        try apply(transition.event)
        switch transition {
        case .start:
            attempts += 1
            startedAt = now
            return .stepStarted(step: id, provider: provider, attempt: attempts)
        case .retry:
            attempts += 1
            return .stepStarted(step: id, provider: provider, attempt: attempts)
        case .succeed(let output, let durationMs):
            self.output = output
            finishedAt = now
            return .stepSucceeded(step: id, attempt: attempts, durationMs: durationMs)
        case .approve(let output):
            self.output = output
            finishedAt = now
            return nil
        case .fail(let failure):
            error = failure
            finishedAt = now
            return .stepFailed(step: id, attempt: attempts, failure)
        case .cancel:
            error = Self.cancelledFailure
            finishedAt = now
            return nil
        case .skip(let reason, let detail):
            // The record keeps what the graph decided; a step the end of the run left unrun says nothing of its own
            // (the run's status says why), so the records of a line workflow are as they always were.
            if reason.isDecidedByTheGraph {
                skipReason = reason
                skipDetail = detail
            }
            return .stepSkipped(step: id, reason: reason)
        case .interrupt:
            return nil
        }
    }
}
