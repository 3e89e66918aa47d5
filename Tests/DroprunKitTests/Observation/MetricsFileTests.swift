import DroprunTestSupport
import Foundation
import Synchronization
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// Writing the metrics file: where it goes, replaced whole, off when null, a failure said once and never fatal.
@Suite struct MetricsFileTests {
    static func configuration(file: String?) -> Configuration {
        var c = Configuration.fastForTests
        c.metrics.file = file
        return c
    }

    @Test func aRelativeFileIsUnderTheRootAndAnAbsoluteOneIsAsGiven() throws {
        let root = try TemporaryRoot()
        let context = root.engine(configuration: Self.configuration(file: "outbox/metrics.prom"))
        defer { context.audit.close() }
        #expect(MetricsFile(context: context).path == root.file("outbox/metrics.prom"))
        let elsewhere = try TemporaryRoot(initialized: false)
        let absolute = root.engine(configuration: Self.configuration(file: elsewhere.file("droprun.prom")))
        defer { absolute.audit.close() }
        let file = MetricsFile(context: absolute)
        #expect(file.path == elsewhere.file("droprun.prom"))
        #expect(file.write() == .written)
        #expect(elsewhere.read("droprun.prom")?.contains("droprun_build_info{version=\"\(CLI.version)\"} 1\n") == true)
        #expect(!root.exists("outbox/metrics.prom"))
    }

    /// The default file appears with the default configuration, and a folder of the root's own is made for it.
    @Test func theDefaultFileIsWrittenAndAMissingFolderOfTheRootIsMade() throws {
        let root = try TemporaryRoot()
        let context = root.engine()
        defer { context.audit.close() }
        #expect(MetricsFile(context: context).write() == .written)
        #expect(root.read("outbox/metrics.prom")?.hasPrefix("# HELP droprun_build_info ") == true)
        let nested = root.engine(configuration: Self.configuration(file: "metrics/node/droprun.prom"))
        defer { nested.audit.close() }
        #expect(MetricsFile(context: nested).write() == .written)
        #expect(root.exists("metrics/node/droprun.prom"))
        #expect(context.warnings.messages.isEmpty && nested.warnings.messages.isEmpty)
    }

    /// `"metricsFile": null`: nothing is read (not even the inbox) and nothing written.
    @Test func metricsOffReadsAndWritesNothing() async throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem()
        let context = root.engine(configuration: Self.configuration(file: nil), fileSystem: fs)
        defer { context.audit.close() }
        let file = MetricsFile(context: context)
        #expect(file.path == nil)
        #expect(await file.writeOffThePool() == .off)
        #expect(fs.operations.isEmpty, "\(fs.operations)")
        #expect(root.list("outbox").allSatisfy { !$0.contains("metrics") })
    }

    /// Readers see the old file or the new one whole, never a part, and no temporary file is left behind.
    @Test func aReaderNeverSeesAPartialFileAndNoTemporaryFileIsLeft() async throws {
        let root = try TemporaryRoot()
        // Many workflows make a long file (tens of kilobytes), so a write in place would be seen half done.
        let context = root.engine()
        defer { context.audit.close() }
        for i in 0..<400 {
            let record = RunRecord.finishedForMetrics(workflow: "workflow-\(i)", at: context.clock.now())
            context.activity.finished(record, at: context.clock.now())
        }
        let file = MetricsFile(context: context)
        #expect(file.write() == .written)
        let path = root.file("outbox/metrics.prom")
        let size = root.read("outbox/metrics.prom")?.utf8.count ?? 0
        #expect(size > 64_000)
        let done = Atomic(false)
        let reader = Task.detached {
            var reads = 0
            var partial: [Int] = []
            while !done.load(ordering: .relaxed) || reads == 0 {
                let fd = open(path, O_RDONLY)
                guard fd >= 0 else {
                    partial.append(-1)
                    continue
                }
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n <= 0 { break }
                    bytes += buffer[0..<n]
                }
                close(fd)
                reads += 1
                let text = String(decoding: bytes, as: UTF8.self)
                if !(text.hasPrefix("# HELP droprun_build_info") && text.hasSuffix("\n") && text.contains("droprun_runner_last_progress_seconds{")) {
                    partial.append(bytes.count)
                }
            }
            return (reads, partial)
        }
        try await blockingWork {
            for _ in 0..<100 { _ = file.write() }
        }
        done.store(true, ordering: .relaxed)
        let (reads, partial) = await reader.value
        #expect(reads > 0)
        #expect(partial.isEmpty, "\(partial.count) of \(reads) reads saw no file or a partial one: \(partial.prefix(5))")
        #expect(root.list("outbox").filter { $0.hasPrefix(".") } == [], "temporary files left: \(root.list("outbox"))")
    }

    /// A write that fails (here the rename, onto a folder) leaves no temporary file, says so once, and the runner goes on.
    @Test func aFailedWriteLeavesNoTemporaryFileAndWarnsOnce() throws {
        let root = try TemporaryRoot()
        try FileManager.default.createDirectory(atPath: root.file("outbox/metrics.prom"), withIntermediateDirectories: true)
        let context = root.engine()
        defer { context.audit.close() }
        let file = MetricsFile(context: context)
        #expect(file.write() == .failed)
        #expect(file.write() == .failed)
        #expect(root.list("outbox").filter { $0.hasPrefix(".metrics") } == [], "\(root.list("outbox"))")
        #expect(context.warnings.messages.count == 1, "\(context.warnings.messages)")
        let warning = try #require(context.warnings.messages.first)
        #expect(warning.hasPrefix("cannot write the metrics file outbox/metrics.prom: rename"), "\(warning)")
        #expect(warning.contains("set metricsFile in droprun.json"))
    }

    /// Failures with different reasons are still said only once (a disk that fills up, then a permission problem).
    @Test func differentFailuresAreSaidOnlyOnceAndASuccessInBetweenChangesNothing() throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem([
            .init("writeAtomically", pathContains: "metrics.prom", code: ENOSPC, times: 1),
            .init("writeAtomically", pathContains: "metrics.prom", code: EACCES, times: 1),
        ])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        let file = MetricsFile(context: context)
        #expect(file.write() == .failed)
        #expect(file.write() == .failed)
        #expect(file.write() == .written)
        #expect(context.warnings.messages.count == 1, "\(context.warnings.messages)")
        #expect(context.warnings.messages.first?.contains("No space left on device") == true)
    }

    /// A folder outside the root that does not exist is not made: the write fails and says so once.
    @Test func aMissingFolderOutsideTheRootIsAWarningNotAFolderMade() throws {
        let root = try TemporaryRoot()
        let elsewhere = try TemporaryRoot(initialized: false)
        let context = root.engine(configuration: Self.configuration(file: elsewhere.file("missing/droprun.prom")))
        defer { context.audit.close() }
        #expect(MetricsFile(context: context).write() == .failed)
        #expect(!elsewhere.exists("missing"))
        #expect(context.warnings.messages.count == 1)
    }

    /// `reconfigure` (a reloaded droprun.json) moves the next write to the new file, or turns metrics off.
    @Test func reconfigureMovesTheFileOrTurnsMetricsOff() throws {
        let root = try TemporaryRoot()
        let context = root.engine()
        defer { context.audit.close() }
        let file = MetricsFile(context: context)
        var settings = MetricsSettings()
        settings.file = "outbox/other.prom"
        settings.intervalSeconds = 60
        file.reconfigure(settings)
        #expect(file.intervalSeconds == 60)
        #expect(file.write() == .written)
        #expect(root.exists("outbox/other.prom") && !root.exists("outbox/metrics.prom"))
        settings.file = nil
        file.reconfigure(settings)
        #expect(file.write() == .off)
    }

    /// The gauges come from the root as it is at the moment of writing.
    @Test func gaugesReadTheRootAtWriteTime() throws {
        let root = try TemporaryRoot()
        let clock = ManualClock()
        let context = root.engine(clock: clock)
        defer { context.audit.close() }
        try root.drop("a.json", "{}")
        try root.drop("b.json", "{}")
        try PosixFileSystem().setModified(root.file("inbox/a.json"), to: clock.now().addingTimeInterval(-90))
        try PosixFileSystem().setModified(root.file("inbox/b.json"), to: clock.now().addingTimeInterval(-30))
        #expect(MetricsFile(context: context).write() == .written)
        let text = root.read("outbox/metrics.prom") ?? ""
        #expect(text.contains("\ndroprun_inbox_files 2\n"), "\(text)")
        #expect(text.contains("\ndroprun_inbox_oldest_age_seconds 90\n"), "\(text)")
        #expect(text.contains("\ndroprun_approvals_waiting 0\n"))
        #expect(text.contains("\ndroprun_runs_running 0\n"))
        // This runner's own line is there even before its heartbeat is written.
        #expect(text.contains("\ndroprun_runner_last_progress_seconds{host=\"testhost\",mode=\"watch\"} 0\n"), "\(text)")
    }

    /// A reload that moves the file removes the one written before; one that turns metrics off removes it too.
    @Test func reconfigureRemovesTheFileItWroteBefore() throws {
        let root = try TemporaryRoot()
        let context = root.engine()
        defer { context.audit.close() }
        let file = MetricsFile(context: context)
        #expect(file.write() == .written)
        var settings = MetricsSettings()
        settings.file = "outbox/other.prom"
        file.reconfigure(settings)
        #expect(file.write() == .written)
        #expect(root.exists("outbox/other.prom") && !root.exists("outbox/metrics.prom"))
        settings.file = nil
        file.reconfigure(settings)
        #expect(file.write() == .off)
        #expect(!root.exists("outbox/other.prom"))
    }

    /// A file put in place of the one written (another writer's) is not removed.
    @Test func reconfigureLeavesAFileThisRunnerDidNotWrite() throws {
        let root = try TemporaryRoot()
        let context = root.engine()
        defer { context.audit.close() }
        let file = MetricsFile(context: context)
        #expect(file.write() == .written)
        try PosixFileSystem().writeAtomically(root.file("outbox/metrics.prom"), Array("theirs\n".utf8), sync: false)
        var settings = MetricsSettings()
        settings.file = nil
        file.reconfigure(settings)
        #expect(file.write() == .off)
        #expect(root.read("outbox/metrics.prom") == "theirs\n")
    }

    /// The last write of a stopping runner leaves out its own heartbeat gauges (the heartbeat goes next).
    @Test func theLastWriteLeavesOutThisRunnersHeartbeat() async throws {
        let root = try TemporaryRoot()
        let context = root.engine()
        defer { context.audit.close() }
        let file = MetricsFile(context: context)
        #expect(file.write() == .written)
        #expect(root.read("outbox/metrics.prom")?.contains("droprun_runner_heartbeat_age_seconds{host=\"testhost\"") == true)
        #expect(await file.writeLastOffThePool() == .written)
        let text = root.read("outbox/metrics.prom") ?? ""
        #expect(!text.contains("host=\"testhost\""), "\(text)")
        #expect(text.contains("# TYPE droprun_runner_heartbeat_age_seconds gauge\n"), "\(text)")
    }

    /// `run --once` leaves the file alone while a live `watch` runner holds the root (it says so once); with only a
    /// dead one's heartbeat left it writes.
    @Test func runOnceLeavesTheFileToALiveWatchRunner() async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock()
        let context = root.engine(clock: clock)
        defer { context.audit.close() }
        let beat = #"{"runner": "web:7", "host": "web", "pid": 7, "mode": "watch"}"#
        try root.write("outbox/runners/web-7.json", beat)
        try PosixFileSystem().setModified(root.file("outbox/runners/web-7.json"), to: clock.now())
        let file = MetricsFile(context: context)
        let liveness = context.liveness
        try #require(!liveness.isDead("web-7"), "the test's heartbeat must count as live")
        #expect(await file.writeLastOffThePool(yieldingToWatch: true) == .leftToWatch)
        #expect(await file.writeLastOffThePool(yieldingToWatch: true) == .leftToWatch)
        #expect(!root.exists("outbox/metrics.prom"))
        #expect(
            context.warnings.notices.count == 1 && context.warnings.notices[0].contains("left to the watch runner web-7"),
            "\(context.warnings.notices)")
        clock.advance(by: .seconds(3600))
        #expect(await file.writeLastOffThePool(yieldingToWatch: true) == .written)
    }
}

extension RunRecord {
    /// A record of `workflow` (no steps) for feeding `RunnerActivity`: each workflow adds a line per final status.
    static func finishedForMetrics(workflow: String, at now: Date) -> RunRecord {
        RunRecord(
            runId: workflow, workflow: Workflow(name: workflow, steps: []), requestFile: workflow + ".json", requestSHA256: "", requestSize: 2,
            receivedAt: now, createdAt: now)
    }
}
