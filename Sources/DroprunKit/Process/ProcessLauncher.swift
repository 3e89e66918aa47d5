/// What to start: a program, its argument vector, its environment and folder. Never a shell line.
public struct ProcessSpec: Sendable, Equatable {
    /// Absolute path of the program.
    public var path: String
    /// Arguments after the program name, passed as they are.
    public var arguments: [String]
    /// The whole environment of the child.
    public var environment: [String: String]
    /// Folder the child starts in; nil: the runner's.
    public var workingDirectory: String?
    /// Bytes written to the child's standard input, which is then closed.
    public var standardInput: [UInt8]

    public init(path: String, arguments: [String], environment: [String: String], workingDirectory: String?, standardInput: [UInt8]) {
        self.path = path
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.standardInput = standardInput
    }
}

/// How a child process ended.
public struct ProcessResult: Sendable, Equatable {
    /// Exit status, when it exited.
    public var exitCode: Int32?
    /// The signal that ended it, when one did.
    public var signal: Int32?
    /// Everything it printed on standard output (up to the launcher's limit).
    public var standardOutput: [UInt8]
    /// Everything it printed on standard error (up to the launcher's limit).
    public var standardError: [UInt8]

    public init(exitCode: Int32?, signal: Int32?, standardOutput: [UInt8], standardError: [UInt8]) {
        self.exitCode = exitCode
        self.signal = signal
        self.standardOutput = standardOutput
        self.standardError = standardError
    }
}

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

/// Starts child processes. Injected, so tests can run `exec` without real programs where they want.
public protocol ProcessLauncher: Sendable {
    /// Starts `spec` (held back until `proceed()` where the launcher supports it); throws when it cannot be started.
    func start(_ spec: ProcessSpec) async throws -> any RunningProcess
}
