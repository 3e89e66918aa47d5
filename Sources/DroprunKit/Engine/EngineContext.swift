import Foundation

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

    public init(layout: RootLayout, fileSystem: any FileSystem, clock: any RunnerClock, configuration: Configuration,
                registry: ProviderRegistry, identity: RunnerIdentity, audit: AuditLog) {
        self.layout = layout
        self.fileSystem = fileSystem
        self.clock = clock
        self.configuration = configuration
        self.registry = registry
        self.identity = identity
        self.audit = audit
    }

    /// True in `strict` durability: flush files and folders.
    public var sync: Bool { configuration.durability == .strict }

    /// A decoder for this root: its configuration, providers and `workflows` folder.
    public var decoder: RequestDecoder {
        let fileSystem = fileSystem
        let folder = Path.join(layout.root, configuration.workflowsFolder)
        return RequestDecoder(configuration: configuration, registry: registry) { name in
            guard let bytes = try? fileSystem.readFile(Path.join(folder, name + ".json"), maxBytes: 4 << 20) else { return nil }
            return try? JSONParser.parse(bytes)
        }
    }

    /// Appends an audit event; a failure to append is reported to the caller.
    func record(_ event: AuditEventName, runId: String?, data: [String: JSONValue] = [:]) throws(FileSystemError) {
        try audit.record(event, runId: runId, at: clock.now(), data: data)
    }
}
