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

/// What happens to a run; each event is one arrow of the state machine.
public enum RunEvent: String, Sendable, CaseIterable, Equatable {
    /// A runner starts executing it.
    case start
    /// Its last step succeeded.
    case succeed
    /// It failed (step failure, run timeout, rejected or expired approval).
    case fail
    /// Someone cancelled it.
    case cancel
    /// An `approval` step paused it.
    case awaitApproval = "await_approval"
    /// An approval arrived and it continues.
    case resume
}

/// An arrow the state machine does not have: always a bug in droprun.
public struct IllegalTransition: Error, Equatable, Sendable, CustomStringConvertible {
    /// The status the run was in.
    public var from: String
    /// What was attempted.
    public var event: String

    public var description: String { "illegal transition: '\(event)' from '\(from)'" }
}

extension RunStatus {
    /// The one place run transitions are defined:
    ///
    /// ```
    /// queued -> running -> succeeded | failed | cancelled
    /// running -> waiting_approval -> running | failed | cancelled
    /// queued -> cancelled
    /// ```
    public func applying(_ event: RunEvent) throws(IllegalTransition) -> RunStatus {
        switch (self, event) {
        case (.queued, .start): return .running
        case (.queued, .cancel): return .cancelled
        case (.running, .succeed): return .succeeded
        case (.running, .fail): return .failed
        case (.running, .cancel): return .cancelled
        case (.running, .awaitApproval): return .waitingApproval
        case (.waitingApproval, .resume): return .running
        case (.waitingApproval, .fail): return .failed
        case (.waitingApproval, .cancel): return .cancelled
        default: throw IllegalTransition(from: rawValue, event: event.rawValue)
        }
    }
}
