/// A started child process.
///
/// A launcher may hold the program back until `proceed()` (the real one
/// does, through its exec shim): the child exists, with its process id and
/// group, so the runner can write down who it is before the command does
/// anything. Until then `signal` abandons it: the command never runs.
public protocol RunningProcess: Sendable {
    /// Who the child is (recorded so a runner taking over can end it).
    var identity: ProcessIdentity { get }
    /// Lets a held-back child run its program; throws when the program cannot be started.
    func proceed() async throws
    /// Waits for the child to end and collects its output.
    func wait() async -> ProcessResult
    /// Sends a signal to the child's process group.
    func signal(_ signal: Int32)
}

extension RunningProcess {
    public func proceed() async throws {}
}
