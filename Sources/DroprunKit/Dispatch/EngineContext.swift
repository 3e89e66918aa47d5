import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything the engine works with, injected: disk, clock, settings, providers, identity, audit.
public struct EngineContext: Sendable {
    /// The root's folders.
    public var layout: RootLayout
    /// The disk.
    public var fileSystem: any FileSystem
    /// Time and waiting.
    public var clock: any RunnerClock
    /// The root's settings (after command-line flags).
    public var configuration: Configuration
    /// Known providers.
    public var registry: ProviderRegistry
    /// This runner.
    public var identity: RunnerIdentity
    /// This runner's audit chain.
    public var audit: AuditLog
    /// Set when the runner must stop (SIGTERM, SIGINT).
    public var stop: StopToken
    /// Whether a process of this host is alive (`kill(pid, 0)`), to resume a crashed runner's runs at once.
    public var isProcessAlive: @Sendable (Int32) -> Bool
    /// How often a running step checks for a cancel request (real time: a polling cadence, not logic).
    public var cancelPollInterval: Duration = .milliseconds(200)
    /// Starts `exec`'s child processes.
    public var launcher: any ProcessLauncher = PosixProcessLauncher()
    /// The runner's environment variables, from which `exec` passes only the allowed ones.
    public var environment: [String: String] = [:]
    /// When this runner last saw its heartbeat in place, and for how long that is trusted.
    public var leaseCheck = LeaseCheck()
    /// Cancel markers, listed at most once per moment for all of this runner's runs.
    public var cancelBoard = CancelBoard()
    /// Removes superseded records off the task pool (strict durability).
    public var reaper = Reaper()
    /// This runner's checkpoint log (states between instant steps).
    public var checkpointLog: CheckpointLog
    /// Where the runner says which of its own files it cannot read (standard error, from the command line).
    public var warnings = RunnerWarnings()
    /// The ids `gc` purged, refused as `duplicate` at admission (refreshed with one `stat` per admission).
    public var purgedIDs: PurgedIDs
    /// This runner's files of the history index (one line per finished run).
    public var index: IndexWriter
    /// What this runner did since it started (runs claimed and finished, durations, rejections), for its heartbeat and metrics.
    public var activity: RunnerActivity
    /// Sends HTTP requests (`http`, real `llm` models, notifications).
    public var http: any HTTPTransport = URLSessionTransport()
    /// Sends runs' notifications in the background.
    public var notifier = Notifier()

    public init(
        layout: RootLayout, fileSystem: any FileSystem, clock: any RunnerClock, configuration: Configuration,
        registry: ProviderRegistry, identity: RunnerIdentity, audit: AuditLog, stop: StopToken = StopToken(),
        isProcessAlive: @escaping @Sendable (Int32) -> Bool = EngineContext.processExists
    ) {
        self.layout = layout
        self.fileSystem = fileSystem
        self.clock = clock
        self.configuration = configuration
        self.registry = registry
        self.identity = identity
        self.audit = audit
        self.stop = stop
        self.isProcessAlive = isProcessAlive
        groupCommit = GroupCommit(root: layout.root)
        purgedIDs = PurgedIDs(layout: layout, fileSystem: fileSystem)
        index = IndexWriter(layout: layout, writer: identity.folderName, fileSystem: fileSystem, clock: clock)
        activity = RunnerActivity(startedAt: clock.now())
        checkpointLog = CheckpointLog(
            folder: layout.checkpointFolder(identity.folderName), fileSystem: fileSystem, durable: configuration.durability == .strict)
    }

    /// `kill(pid, 0)`: true unless the process does not exist.
    public static let processExists: @Sendable (Int32) -> Bool = { pid in
        kill(pid, 0) == 0 || errno != ESRCH
    }

    /// This runner's heartbeat (its lease).
    public var heartbeat: RunnerHeartbeat { RunnerHeartbeat(layout: layout, identity: identity, fileSystem: fileSystem) }

    /// Judges other runners' leases.
    public var liveness: Liveness {
        Liveness(
            layout: layout, fileSystem: fileSystem, identity: identity, leaseSeconds: configuration.leaseSeconds, clock: clock,
            isProcessAlive: isProcessAlive)
    }

    /// Throws when this runner lost its lease: it must write nothing more for its runs.
    ///
    /// A check is trusted for a moment (`leaseCheck.validity`, far shorter
    /// than any lease): losing a lease takes a pause of `leaseSeconds`, after
    /// which the next write checks the disk again.
    func ensureLease() throws(LostLease) {
        if leaseCheck.isFresh() { return }
        if !heartbeat.isHeld { throw LostLease(runner: identity.actor) }
        leaseCheck.confirmed()
    }

    /// Flushes shared by every run that reaches a commit point at the same time (`strict` durability).
    public var groupCommit: GroupCommit

    /// In `strict` durability, returns once everything written so far is durable; in `fast`, at once.
    public func commit() async throws {
        if configuration.durability == .strict { try await groupCommit.commit() }
    }

    /// A decoder for this root: its configuration, providers and `workflows` folder.
    public var decoder: RequestDecoder {
        let fileSystem = fileSystem
        let folder = Path.join(layout.root, configuration.workflowsFolder)
        var decoder = RequestDecoder(configuration: configuration, registry: registry) { name in
            guard let bytes = try? fileSystem.readFile(Path.join(folder, name + ".json"), maxBytes: 4 << 20) else { return nil }
            return try? JSONParser.parse(bytes)
        }
        decoder.workflowNames = {
            ((try? fileSystem.list(folder)) ?? []).map(\.name).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }
        }
        return decoder
    }

    /// Says (once) that a file of this root cannot be read back, naming it relative to the root.
    func reportUnreadable(_ problem: UnreadableRecord) {
        warnings.unreadable(problem.relative(to: layout))
    }

    /// Appends an audit event; a failure to append is reported to the caller.
    func record(_ event: AuditEvent, runId: String?) throws(FileSystemError) {
        try audit.record(event, runId: runId, at: clock.now())
    }

    /// Appends audit events in order (those a transition returned).
    func record(_ events: [AuditEvent], runId: String?) throws(FileSystemError) {
        for event in events { try audit.record(event, runId: runId, at: clock.now()) }
    }
}
