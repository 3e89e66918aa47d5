import DroprunKit
import Foundation

/// What one command line printed and returned.
public struct CLIResult: Sendable {
    /// The exit code.
    public var code: ExitCode
    /// Standard output.
    public var stdout: String
    /// Standard error.
    public var stderr: String
}

/// Runs droprun's command line in-process against a root, capturing its output.
public struct CLITester: Sendable {
    /// The root commands run in (as the working folder).
    public var root: String
    /// The clock commands see.
    public var clock: any RunnerClock
    /// The providers.
    public var registry: ProviderRegistry
    /// Environment variables.
    public var variables: [String: String]

    /// Called where the real program lowers its priority (`gc`).
    public var lowerPriority: @Sendable () -> Void = {}
    /// Which descriptors the command takes for a terminal (none by default: output is captured, as on a pipe).
    public var isTerminal: @Sendable (Int32) -> Bool = { _ in false }
    /// Given the stop token of `watch` (the real program connects it to SIGTERM and SIGINT).
    public var installStopSignals: @Sendable (StopToken) -> Void = { _ in }
    /// Sends HTTP requests (a scripted transport in tests that need no server).
    public var http: any HTTPTransport = URLSessionTransport()

    public init(root: String, clock: any RunnerClock = InstantClock(), registry: ProviderRegistry = .builtIn, variables: [String: String] = [:]) {
        self.root = root
        self.clock = clock
        self.registry = registry
        self.variables = variables
    }

    /// Runs `arguments` (without the program name).
    public func run(_ arguments: [String], stdin: String = "", fileSystem: any FileSystem = PosixFileSystem()) async -> CLIResult {
        let out = CapturedOutput()
        let err = CapturedOutput()
        let input = Array(stdin.utf8)
        let environment = CLIEnvironment(
            fileSystem: fileSystem, clock: clock, standardOutput: out, standardError: err, variables: variables,
            workingDirectory: root, readStandardInput: { input }, identity: RunnerIdentity(host: "testhost", pid: 4242), registry: registry)
        var world = environment
        world.lowerPriority = lowerPriority
        world.isTerminal = isTerminal
        world.installStopSignals = installStopSignals
        world.http = http
        let code = await CLI.run(arguments: arguments, environment: world)
        return CLIResult(code: code, stdout: out.contents, stderr: err.contents)
    }
}
