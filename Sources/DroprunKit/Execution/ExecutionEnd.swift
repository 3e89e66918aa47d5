/// How an execution ended.
enum ExecutionEnd: Sendable {
    /// The run reached a final status; its result is written.
    case finished(RunRecord)
    /// The run waits for an approval; its worker is free.
    case waiting(RunRecord)
    /// The runner is stopping: the run was checkpointed with its interrupted step pending, for the next runner.
    case interrupted(RunRecord)
}
