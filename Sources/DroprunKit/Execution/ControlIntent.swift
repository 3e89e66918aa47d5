/// What a control message asks of a run that `ControlDesk` took over for it; `RunExecutor.carryOut(_:context:)` does it.
///
/// `ControlDesk` decides whether a message applies and takes the run over;
/// what then happens to the run (its transitions, its record, its result) is
/// the executor's, so only the executor ever moves a run.
enum ControlIntent: Sendable {
    /// Apply a decision to the run waiting for it: approve releases it to continue, reject fails it.
    case decide(TakenOverRun, ApprovalDecision)
    /// Cancel the run no runner is executing (waiting, or held by nobody), ending what a dead runner left of it first.
    case cancel(TakenOverRun)
}
