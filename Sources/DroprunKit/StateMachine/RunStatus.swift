/// Where a run is in its life. The folder its record sits in agrees with it.
public enum RunStatus: String, Sendable, CaseIterable, Equatable {
    /// Accepted, not started (a request in the inbox, or claimed and not yet started).
    case queued
    /// A runner is executing its steps.
    case running
    /// Paused at an `approval` step until someone approves or rejects.
    case waitingApproval = "waiting_approval"
    /// Every step succeeded.
    case succeeded
    /// A step failed for good, the run timed out, or an approval was rejected or expired.
    case failed
    /// Someone cancelled it.
    case cancelled

    /// True for the three statuses a run never leaves.
    public var isFinal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: true
        case .queued, .running, .waitingApproval: false
        }
    }
}

extension RunStatus {
    /// The one place run transitions are defined:
    ///
    /// ```
    /// queued -> running -> succeeded | failed | cancelled
    /// running -> waiting_approval -> running | failed | cancelled
    /// queued -> cancelled
    /// running -> running                     (recover: taken over from a runner that died or stopped)
    /// waiting_approval -> waiting_approval   (publishWaiting: taken over as it began to wait)
    /// ```
    public func applying(_ event: RunEvent) throws(IllegalTransition) -> RunStatus {
        switch (self, event) {
        case (.queued, .start): return .running
        case (.queued, .cancel): return .cancelled
        case (.running, .recover): return .running
        case (.running, .succeed): return .succeeded
        case (.running, .fail): return .failed
        case (.running, .cancel): return .cancelled
        case (.running, .awaitApproval): return .waitingApproval
        case (.waitingApproval, .publishWaiting): return .waitingApproval
        case (.waitingApproval, .resume): return .running
        case (.waitingApproval, .fail): return .failed
        case (.waitingApproval, .cancel): return .cancelled
        default: throw .run(from: self, event: event)
        }
    }
}
