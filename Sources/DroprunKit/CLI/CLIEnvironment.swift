import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The world a command runs in: injected so tests drive the CLI with `[String]` and read its output.
public struct CLIEnvironment: Sendable {
    /// The disk.
    public var fileSystem: any FileSystem
    /// Time and waiting.
    public var clock: any RunnerClock
    /// Standard output.
    public var standardOutput: any OutputSink
    /// Standard error.
    public var standardError: any OutputSink
    /// Environment variables (`DROPRUN_ROOT`).
    public var variables: [String: String]
    /// The folder relative paths start from.
    public var workingDirectory: String
    /// Reads all of standard input (`submit -`).
    public var readStandardInput: @Sendable () -> [UInt8]
    /// Who this process is.
    public var identity: RunnerIdentity
    /// The providers known to this program.
    public var registry: ProviderRegistry
    /// Starts `exec`'s child processes.
    public var launcher: any ProcessLauncher = PosixProcessLauncher()
    /// Sends HTTP requests (`http` steps, real `llm` models, `providers --check`).
    public var http: any HTTPTransport = URLSessionTransport()
    /// Connects a stop request (SIGTERM, SIGINT in the real program) to a runner's token.
    public var installStopSignals: @Sendable (StopToken) -> Void = { _ in }
    /// Connects a reload request (SIGHUP in the real program) to `watch`'s token.
    public var installReloadSignal: @Sendable (ReloadToken) -> Void = { _ in }
    /// Lowers this process's CPU and I/O priority (`gc`, housekeeping); the real program's is `HousekeepingPriority`.
    public var lowerPriority: @Sendable () -> Void = {}
    /// Whether a file descriptor (1: standard output, 2: standard error) is a terminal; the real program's is `isatty`.
    /// `run --once` shows its progress line only on a terminal.
    public var isTerminal: @Sendable (Int32) -> Bool = { _ in false }

    public init(
        fileSystem: any FileSystem, clock: any RunnerClock, standardOutput: any OutputSink, standardError: any OutputSink,
        variables: [String: String], workingDirectory: String, readStandardInput: @escaping @Sendable () -> [UInt8],
        identity: RunnerIdentity, registry: ProviderRegistry = .builtIn
    ) {
        self.fileSystem = fileSystem
        self.clock = clock
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.variables = variables
        self.workingDirectory = workingDirectory
        self.readStandardInput = readStandardInput
        self.identity = identity
        self.registry = registry
    }

    /// The real process: its disk, clock, streams, variables and identity.
    public static func live(registry: ProviderRegistry = .builtIn) -> CLIEnvironment {
        var hostBuffer = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&hostBuffer, 255) == 0
            ? String(decoding: hostBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        var environment = CLIEnvironment(
            fileSystem: PosixFileSystem(), clock: SystemClock(),
            standardOutput: FileDescriptorSink(descriptor: 1), standardError: FileDescriptorSink(descriptor: 2),
            variables: ProcessInfo.processInfo.environment, workingDirectory: FileManager.default.currentDirectoryPath,
            readStandardInput: { Array(FileHandle.standardInput.readDataToEndOfFile()) },
            identity: RunnerIdentity(host: host, pid: getpid(), instance: RunnerIdentity.newInstance()), registry: registry)
        // Called on the main thread before anything else runs: a stop signal is never blocked everywhere.
        SignalTrap.unblockStopSignals()
        environment.installStopSignals = { SignalTrap.install($0) }
        environment.installReloadSignal = { SignalTrap.installReload($0) }
        environment.launcher = PosixProcessLauncher.live
        environment.lowerPriority = { HousekeepingPriority.lowerThisProcess() }
        environment.isTerminal = { isatty($0) == 1 }
        // A child that stops reading its standard input must not kill the runner with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        return environment
    }
}
