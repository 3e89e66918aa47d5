/// What happens to a run; each event is one arrow of the state machine (see `RunTransition` for what goes with each).
public enum RunEvent: String, Sendable, CaseIterable, Equatable {
    /// A runner starts executing it.
    case start
    /// A runner takes it over while it is running (its previous runner died or stopped): running to running.
    case recover
    /// Its last step succeeded.
    case succeed
    /// It failed (step failure, run timeout, rejected or expired approval).
    case fail
    /// Someone cancelled it.
    case cancel
    /// An `approval` step paused it.
    case awaitApproval = "await_approval"
    /// A waiting run is published again as waiting by the runner that took it over: waiting to waiting.
    case publishWaiting = "publish_waiting"
    /// An approval arrived and it continues.
    case resume
}
