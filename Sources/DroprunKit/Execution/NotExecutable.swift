/// `execute` was asked of a run that is waiting or finished: only a queued or running run executes (a bug in droprun).
struct NotExecutable: Error, CustomStringConvertible {
    /// The run.
    var runId: String
    /// Its status.
    var status: RunStatus

    var description: String { "run '\(runId)' is \(status.rawValue): only a queued or running run can be executed" }
}
