import Foundation

/// What a control message asks of a run: the word in `droprun approve|reject|cancel`, in a decision's
/// `"decision"` and in the name of the control file dropped for it.
public enum ControlVerb: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Approve the run's waiting approval step.
    case approve
    /// Reject the run's waiting approval step (the run fails).
    case reject
    /// Cancel the run.
    case cancel

    /// The two verbs that decide an approval, as a decision's `"decision"` may be.
    public static let decisions: [ControlVerb] = [.approve, .reject]

    /// The verb of an approval's decision.
    public init(approve: Bool) { self = approve ? .approve : .reject }

    /// True for `approve` and `reject`: the verbs that answer an approval step.
    public var isDecision: Bool { self != .cancel }

    public var description: String { rawValue }
}
