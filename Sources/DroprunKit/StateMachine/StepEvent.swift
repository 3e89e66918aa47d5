/// What happens to a step (see `StepTransition` for what goes with each).
public enum StepEvent: String, Sendable, CaseIterable, Equatable {
    /// Its first attempt begins.
    case start
    /// Another attempt begins after a retryable failure: running to running.
    case retry
    /// An attempt succeeded.
    case succeed
    /// It failed for good.
    case fail
    /// The run ended before it ran.
    case skip
    /// Its runner died mid-attempt; it will run again (crash recovery).
    case interrupt
}
