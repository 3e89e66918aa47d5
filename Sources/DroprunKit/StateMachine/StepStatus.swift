/// Where a step is in its life.
public enum StepStatus: String, Sendable, CaseIterable, Equatable {
    /// Not started.
    case pending
    /// Being attempted (across retries).
    case running
    /// Produced its output.
    case succeeded
    /// Failed for good (after any retries).
    case failed
    /// Never ran, because an earlier step failed or the run was cancelled.
    case skipped
}

extension StepStatus {
    /// The one place step transitions are defined:
    ///
    /// ```
    /// pending -> running -> succeeded | failed
    /// running -> running   (retry: another attempt)
    /// pending -> skipped
    /// running -> pending   (interrupted by a crash, to run again)
    /// ```
    public func applying(_ event: StepEvent) throws(IllegalTransition) -> StepStatus {
        switch (self, event) {
        case (.pending, .start): return .running
        case (.pending, .skip): return .skipped
        case (.running, .retry): return .running
        case (.running, .succeed): return .succeeded
        case (.running, .fail): return .failed
        case (.running, .interrupt): return .pending
        default: throw .step(from: self, event: event)
        }
    }
}
