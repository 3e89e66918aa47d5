/// A command an operator allowed `exec` to run.
public struct ExecCommandSettings: Sendable, Equatable {
    /// Absolute path of the program.
    public var path: String
    /// Time limit of one call.
    public var timeoutMs = 60_000
    /// Exit codes that mean "try again".
    public var retryableExitCodes: [Int] = []
    /// Names of environment variables passed through to the child.
    public var env: [String] = []
    /// Folder the child starts in.
    public var workingDirectory: String?

    public init(path: String) { self.path = path }
}
