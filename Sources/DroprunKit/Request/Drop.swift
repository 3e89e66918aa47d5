/// What a dropped file turned out to be.
public enum Drop: Sendable, Equatable {
    /// A run request and the run id it gets.
    case run(RunRequest, runId: String)
    /// A control message for an existing run.
    case control(ControlMessage)
}
