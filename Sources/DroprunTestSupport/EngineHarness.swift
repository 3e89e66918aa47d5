import DroprunKit
import Foundation

extension TemporaryRoot {
    /// An engine over this root with a test identity (`testhost:4242` unless another runner is wanted).
    public func engine(
        clock: any RunnerClock = InstantClock(), configuration: Configuration = .fastForTests,
        registry: ProviderRegistry = .builtIn, fileSystem: any FileSystem = PosixFileSystem(),
        identity: RunnerIdentity = RunnerIdentity(host: "testhost", pid: 4242)
    ) -> EngineContext {
        EngineContext(
            layout: layout, fileSystem: fileSystem, clock: clock, configuration: configuration, registry: registry, identity: identity,
            audit: AuditLog(folder: layout.audit, runner: identity, startedAt: clock.now(), fileSystem: fileSystem))
    }

    /// Runs `run --once` in-process and returns its summary.
    @discardableResult
    public func runOnce(
        clock: any RunnerClock = InstantClock(), configuration: Configuration = .fastForTests, registry: ProviderRegistry = .builtIn
    ) async throws -> RunOnceSummary {
        let context = engine(clock: clock, configuration: configuration, registry: registry)
        defer { context.audit.close() }
        return try await Runner(context: context).runOnce()
    }
}

extension Configuration {
    /// The defaults, in `fast` durability (tests need no fsync).
    public static var fastForTests: Configuration {
        var c = Configuration()
        c.durability = .fast
        return c
    }
}

/// Builds request JSON text for tests.
public enum RequestText {
    /// A request with the given steps (JSON text of each step object).
    public static func make(id: String? = nil, steps: [String], input: String = "{}", extra: String = "") -> String {
        var members: [String] = []
        if let id { members.append("\"id\": \"\(id)\"") }
        members.append("\"workflow\": {\"name\": \"test\", \"version\": \"1\", \"steps\": [\(steps.joined(separator: ","))]}")
        members.append("\"input\": \(input)")
        if !extra.isEmpty { members.append(extra) }
        return "{" + members.joined(separator: ", ") + "}"
    }
}
