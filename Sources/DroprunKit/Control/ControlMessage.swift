/// A dropped control message: approve, reject or cancel an existing run.
public struct ControlMessage: Sendable, Equatable {
    /// What the message asks.
    public enum Action: Sendable, Equatable {
        /// Approve or reject the run's waiting approval step.
        case approval(approve: Bool, by: String?, note: String?)
        /// Cancel the run.
        case cancel(by: String?)
    }

    /// The run it is about.
    public var runId: String
    /// What it asks.
    public var action: Action
}

extension ControlMessage {
    /// What the message asks, as a verb.
    var verb: ControlVerb {
        switch action {
        case .approval(let approve, _, _): ControlVerb(approve: approve)
        case .cancel: .cancel
        }
    }
}
