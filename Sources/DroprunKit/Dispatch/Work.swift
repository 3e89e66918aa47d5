/// Work a runner can take up: a claimed file, or a run it took over.
enum Work: Sendable {
    /// A file in this runner's claim folder, not yet admitted.
    case claimed(ClaimedFile)
    /// A run accepted from a claimed file, ready to start.
    case admitted(RunRecord, RunRequest, claimPath: String, file: String)
    /// A run record this runner moved into its claim folder to resume it (`previousRunner` nil: it was released).
    case takeover(runId: String, path: String, previousRunner: String?)
}
