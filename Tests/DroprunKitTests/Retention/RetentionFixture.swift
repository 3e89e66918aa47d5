import DroprunTestSupport
import Foundation

@testable import DroprunKit

/// Roots of finished runs made by the real runner at a known time, and gc engines some days later.
enum RetentionFixture {
    /// When the fixture's runs run (2026-01-01T00:00:00Z).
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    static let gcIdentity = RunnerIdentity(host: "gchost", pid: 77)

    /// A request that writes one artifact.
    static func request(_ id: String) -> String {
        RequestText.make(
            id: id, steps: [#"{"id": "save", "provider": "artifact", "with": {"name": "out.txt", "content": "run \#(id)"}}"#])
    }

    static func configuration(_ durability: Durability, retention: RetentionSettings = RetentionSettings()) -> Configuration {
        var c = Configuration()
        c.durability = durability
        c.retention = retention
        return c
    }

    /// A root whose runs `ids` ran and finished at `at` (default `t0`).
    @discardableResult
    static func root(_ ids: [String], at: Date = t0, durability: Durability = .fast, into existing: TemporaryRoot? = nil) async throws
        -> TemporaryRoot
    {
        let root = try existing ?? TemporaryRoot()
        for id in ids { try root.drop(id + ".json", request(id)) }
        try await root.runOnce(clock: InstantClock(start: at), configuration: configuration(durability))
        return root
    }

    static func ids(_ n: Int, _ prefix: String = "job") -> [String] { (0..<n).map { "\(prefix)-\($0)" } }

    /// An engine for gc, `days` after `t0`, as the gc process (its own identity and audit chain).
    static func engine(
        _ root: TemporaryRoot, days: Double = 40, durability: Durability = .fast, retention: RetentionSettings = RetentionSettings(),
        fileSystem: any FileSystem = PosixFileSystem(), clock: (any RunnerClock)? = nil
    ) -> EngineContext {
        root.engine(
            clock: clock ?? InstantClock(start: t0.addingTimeInterval(days * 86_400)),
            configuration: configuration(durability, retention: retention), fileSystem: fileSystem, identity: gcIdentity)
    }

    /// gc of runs older than `olderThanDays`, `days` after `t0`.
    static func gc(
        _ root: TemporaryRoot, days: Double = 40, olderThanDays: Double = 30, durability: Durability = .fast, archive: String? = nil,
        dryRun: Bool = false, fileSystem: any FileSystem = PosixFileSystem(), sliceSize: Int = 100
    ) throws -> GCReport {
        let context = engine(root, days: days, durability: durability, fileSystem: fileSystem)
        defer { context.audit.close() }
        var options = GCOptions.olderThan(olderThanDays * 86_400, auditDays: nil, now: context.clock.now())
        options.archive = archive
        options.dryRun = dryRun
        options.sliceSize = sliceSize
        return try GarbageCollector(context: context, options: options).run()
    }

    /// Names in a folder of the root, without hidden ones.
    static func visible(_ root: TemporaryRoot, _ folder: String) -> [String] { root.list(folder).filter { !$0.hasPrefix(".") } }

    /// The purged-ids lines.
    static func purgedLines(_ root: TemporaryRoot) -> [PurgeRecord] {
        (root.read("outbox/purged/purged.jsonl") ?? "").split(separator: "\n").compactMap { PurgeRecord(line: Array($0.utf8)) }
    }

    /// `run.purged` events per run id.
    static func purgedEvents(_ root: TemporaryRoot) -> [String: Int] {
        var counts: [String: Int] = [:]
        for event in root.auditEvents() where event["event"] == "run.purged" {
            if let id = event["runId"]?.stringValue { counts[id, default: 0] += 1 }
        }
        return counts
    }

    /// The invariant after any gc: no result without its request, no artifacts folder without a result or request,
    /// every run whole or gone; one purged line and one run.purged event per gone run of `ids`.
    static func checkWholeOrGone(_ root: TemporaryRoot, _ ids: [String]) -> [String] {
        var problems: [String] = []
        let lines = Dictionary(grouping: purgedLines(root), by: \.runId).mapValues(\.count)
        let events = purgedEvents(root)
        for id in ids {
            let result = root.exists("outbox/results/\(id).json")
            let request = root.exists("outbox/requests/\(id).json")
            let artifacts = root.exists("artifacts/\(id)")
            if result != request || artifacts != result {
                problems.append("\(id): result \(result), request \(request), artifacts \(artifacts)")
            }
            if !result {
                if lines[id] != 1 { problems.append("\(id): \(lines[id] ?? 0) purged lines") }
                if events[id] != 1 { problems.append("\(id): \(events[id] ?? 0) run.purged events") }
            } else if lines[id] != nil || events[id] != nil {
                problems.append("\(id): whole, yet purged lines \(lines[id] ?? 0), events \(events[id] ?? 0)")
            }
        }
        if !visible(root, "outbox/purging").isEmpty { problems.append("outbox/purging: \(visible(root, "outbox/purging"))") }
        return problems
    }
}
