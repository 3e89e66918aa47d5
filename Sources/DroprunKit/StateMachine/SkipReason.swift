/// Why a step was `skipped` (records and `step.skipped` events carry it as `skipReason`).
public enum SkipReason: String, Sendable, CaseIterable, Equatable {
    /// The run failed before the step could run.
    case runFailed = "run_failed"
    /// The run was cancelled before the step could run.
    case runCancelled = "run_cancelled"
    /// Its `when` did not hold.
    case condition
    /// A step it needs was skipped (and it has no `when` of its own to decide).
    case needSkipped = "need_skipped"
    /// An `onFailure` step, in a run that did not fail.
    case runDidNotFail = "run_did_not_fail"

    /// True for a skip the step graph decided (written in the step's record), false for one the run's end implied.
    public var isDecidedByTheGraph: Bool {
        switch self {
        case .condition, .needSkipped, .runDidNotFail: true
        case .runFailed, .runCancelled: false
        }
    }
}
