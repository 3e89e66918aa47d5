/// Starts child processes. Injected, so tests can run `exec` without real programs where they want.
public protocol ProcessLauncher: Sendable {
    /// Starts `spec` (held back until `proceed()` where the launcher supports it); throws when it cannot be started.
    func start(_ spec: ProcessSpec) async throws -> any RunningProcess
}
