import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// When runners write the metrics file: `watch` at start, every `metricsIntervalSeconds` of the injected clock and at
/// its stop; `run --once` at its end, also when a disk error ends the pass.
@Suite struct DispatcherMetricsTests {
    static let valid = WatchIntakeTests.valid
    static let succeeded = #"droprun_runs_finished_total{status="succeeded",workflow="test"} "#

    /// How many times the metrics file was written (replaced whole) so far.
    static func writes(_ fs: FaultyFileSystem, _ root: TemporaryRoot) -> Int {
        fs.operations.filter { $0 == "writeAtomically " + root.file("outbox/metrics.prom") }.count
    }

    /// Drops a request by rename (complete at once, as `submit` does): `watch` takes it on the folder event, with no tick.
    static func renameIn(_ name: String, _ root: TemporaryRoot) throws {
        try root.write(".staging/" + name, valid)
        #expect(rename(root.file(".staging/" + name), root.file("inbox/" + name)) == 0)
    }

    @Test(.timeLimit(.minutes(1)))
    func watchWritesAtStartThenEveryIntervalOfTheClockAndOnStop() async throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem()
        let clock = ManualClock()
        var configuration = Configuration.fastForTests
        configuration.metrics.intervalSeconds = 20
        let context = root.engine(clock: clock, configuration: configuration, fileSystem: fs)
        defer { context.audit.close() }
        let outcomes = WatchIntakeTests.Outcomes()
        let watch = Task { try await Runner(context: context).watch(grace: .zero, onOutcome: { outcomes.append($0) }) }

        // At start, then asleep for the interval (on the injected clock, not in real time).
        #expect(await WatchIntakeTests.eventually { Self.writes(fs, root) == 1 })
        #expect(await clock.waitForSleep(ms: 20_000))
        try Self.renameIn("a.json", root)
        #expect(await WatchIntakeTests.eventually { outcomes.all.count == 1 })
        #expect(Self.writes(fs, root) == 1, "a finished run does not write the file by itself")
        #expect(root.read("outbox/metrics.prom")?.contains(Self.succeeded) == false)

        // Less than the interval: no write; the interval over: a write that counts the run.
        clock.advance(by: .seconds(19))
        #expect(await clock.waitForSleep(ms: 1_000))
        #expect(Self.writes(fs, root) == 1)
        clock.advance(by: .seconds(1))
        // The write is counted as it begins: the file is read once its new content is in place.
        #expect(
            await WatchIntakeTests.eventually {
                Self.writes(fs, root) == 2 && root.read("outbox/metrics.prom")?.contains(Self.succeeded + "1\n") == true
            })
        let second = root.read("outbox/metrics.prom") ?? ""
        #expect(second.contains(Self.succeeded + "1\n"), "\(second)")
        #expect(second.contains(#"droprun_runner_last_progress_seconds{host="testhost",mode="watch"} 20"# + "\n"), "\(second)")
        #expect(await clock.waitForSleep(ms: 20_000), "the next write is an interval away")

        // A last write on stop, with every run counted.
        try Self.renameIn("b.json", root)
        #expect(await WatchIntakeTests.eventually { outcomes.all.count == 2 })
        context.stop.stop()
        try await watch.value
        #expect(Self.writes(fs, root) == 3)
        #expect(root.read("outbox/metrics.prom")?.contains(Self.succeeded + "2\n") == true)
        // The heartbeat goes right after the last write: the file must not show this runner alive.
        #expect(root.read("outbox/metrics.prom")?.contains(#"host="testhost""#) == false, "\(root.read("outbox/metrics.prom") ?? "")")
        #expect(root.list("outbox").filter { $0.hasPrefix(".") } == [])
    }

    /// With `"metricsFile": null`, `watch` writes no file at start, at its intervals or at its stop.
    @Test(.timeLimit(.minutes(1)))
    func watchWithMetricsOffWritesNothing() async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock()
        var configuration = Configuration.fastForTests
        configuration.metrics.file = nil
        let context = root.engine(clock: clock, configuration: configuration)
        defer { context.audit.close() }
        let watch = Task { try await Runner(context: context).watch(grace: .zero, onOutcome: { _ in }) }
        #expect(await clock.waitForSleep(ms: 15_000))
        clock.advance(by: .seconds(15))
        #expect(await clock.waitForSleep(ms: 15_000))
        context.stop.stop()
        try await watch.value
        #expect(!root.exists("outbox/metrics.prom"))
    }

    @Test func runOnceWritesTheFileOnceAtItsEnd() async throws {
        let root = try TemporaryRoot()
        try root.drop("a.json", Self.valid)
        try root.drop("b.json", Self.valid)
        try root.drop("bad.json", "{not json")
        let fs = FaultyFileSystem()
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.outcomes.count == 3)
        #expect(Self.writes(fs, root) == 1)
        let text = root.read("outbox/metrics.prom") ?? ""
        #expect(text.contains(Self.succeeded + "2\n"), "\(text)")
        #expect(text.contains(#"droprun_rejections_total{reason="invalid_json"} 1"# + "\n"))
        #expect(text.contains("\ndroprun_inbox_files 0\n"))
        // Written after the last result: nothing of the pass is missing from it.
        let last = fs.operations.lastIndex { $0.hasPrefix("writeNew ") || $0.hasPrefix("link ") }
        let written = fs.operations.lastIndex { $0 == "writeAtomically " + root.file("outbox/metrics.prom") }
        #expect(written != nil && last != nil && written! > last!)
    }

    @Test func runOnceWritesTheFileWhenADiskErrorEndsThePass() async throws {
        let root = try TemporaryRoot()
        try root.drop("a.json", Self.valid)
        let fs = FaultyFileSystem([.init("link", pathContains: "outbox/results/")])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        await #expect(throws: FileSystemError.self) { try await Runner(context: context).runOnce() }
        #expect(Self.writes(fs, root) == 1)
        #expect(root.read("outbox/metrics.prom")?.contains("\ndroprun_inbox_files 0\n") == true)
    }
}
