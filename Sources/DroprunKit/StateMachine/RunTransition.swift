import Foundation

/// A run's transition with what goes with it; `RunRecord.apply(_:at:by:)` applies one.
public enum RunTransition: Sendable, Equatable {
    /// A runner starts it (queued to running): `startedAt`, the runner; says `run.started`.
    case start
    /// A runner takes it over while running (running to running): the runner; steps cut short run again; says
    /// `run.recovered` when it was taken from a runner (`previousRunner`), naming the interrupted steps and what
    /// was done with the leftover processes.
    case recover(previousRunner: String?, leftoverProcesses: [JSONValue])
    /// Its last step succeeded (running to succeeded): `finishedAt`, the runner; pending steps skipped; says
    /// `run.succeeded` once the result is written.
    case succeed
    /// `step` failed for good with `failure` (running or waiting to failed): `finishedAt`, `error`, `errorStep`, the
    /// runner; pending steps skipped; says `run.failed` once the result is written.
    case fail(StepFailure, step: String)
    /// It cannot go on (its kept request or definition is damaged, or its record disagrees with it): started when
    /// queued (without `run.started`, as no step runs), steps cut short set back, then failed as `fail` at the
    /// first step that did not succeed.
    case failUnrunnable(StepFailure)
    /// Someone (`by`) cancelled it (queued, running or waiting to cancelled): the running step fails with
    /// `cancelled`, pending steps are skipped, the approval is dropped; says `run.cancelled` once the result is written.
    case cancel(by: String?)
    /// An approval step paused it (running to waiting): the approval; no runner holds it; says
    /// `run.waiting_approval` once the record is written.
    case awaitApproval(PendingApproval)
    /// The runner that took it over publishes it as waiting again (waiting to waiting): no runner holds it; says
    /// `run.waiting_approval` once the record is written.
    case publishWaiting
    /// The approval was approved, or rejected at a step with `"onReject": "continue"` (waiting to running): the decision as the approval step's output, the wait added
    /// to `waitedMs`, no runner holds it; says `approval.received`, then `run.resumed`, once the record is written.
    case resume(ApprovalDecision)
    /// The approval was rejected (waiting to failed): as `resume` for the step, which then fails with
    /// `approval_rejected`, and as `fail` for the run; says `approval.received`, `step.failed`, the skipped steps
    /// and `run.failed`, all once the result is written.
    case reject(ApprovalDecision)
    /// The approval expired (waiting to failed): the wait added, the approval step fails with `approval_expired`,
    /// and the run as `fail`.
    case expire
    /// The approval was rejected (`decision`) or expired (nil) in a workflow with onFailure steps (waiting to
    /// running): the approval step fails as for `reject` or `expire`, and the run is released to run its
    /// onFailure steps (it then fails with that failure); says `approval.received` (a rejection), `step.failed`
    /// and `run.resumed` once the record is written.
    case failToOnFailure(ApprovalDecision?)

    /// The arrow of the run machine this transition takes.
    var event: RunEvent {
        switch self {
        case .start: .start
        case .recover: .recover
        case .succeed: .succeed
        case .fail, .failUnrunnable, .reject, .expire: .fail
        case .cancel: .cancel
        case .awaitApproval: .awaitApproval
        case .publishWaiting: .publishWaiting
        case .resume, .failToOnFailure: .resume
        }
    }
}
