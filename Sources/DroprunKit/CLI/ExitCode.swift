/// How a command ended, as the process's exit status.
public enum ExitCode: Int32, Sendable, Equatable {
    /// Success (for `run --once`: nothing failed).
    case success = 0
    /// Something failed, was cancelled or was rejected, or a check found a problem.
    case failure = 1
    /// Usage or configuration error.
    case usage = 2
}
