import DroprunTestSupport
import Foundation
import Synchronization
import Testing

@testable import DroprunKit

/// The lines of `run --once` and `watch`: stamped by the injected clock, text or JSON, on the right stream.
@Suite struct RunnerLogCommandTests {
    static let start = Date(timeIntervalSince1970: 1_796_205_600)  // 2026-12-02T10:00:00.000Z
    static let stamp = "2026-12-02T10:00:00.000Z "
    static let echo = #"{"id": "e", "provider": "echo", "with": {"a": 1}}"#
    /// Parses (a file that does not is held while it may still be written), and is refused: `invalid_request`.
    static let unknownProvider = RequestText.make(id: "bad", steps: [#"{"id": "x", "provider": "lmm", "with": {}}"#])
    static let failing = #"{"id": "f", "provider": "fail", "with": {"code": "boom", "message": "no"}}"#

    func root(_ configuration: String = #"{"durability": "fast"}"#) throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        try root.write("droprun.json", configuration)
        return root
    }

    func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    func json(_ text: String) throws -> [JSONValue] {
        try lines(text).map { try JSONParser.parse(Array($0.utf8)) }
    }

    @Test func everyLineStartsWithTheTimeOfTheInjectedClock() async throws {
        let root = try root()
        try root.drop("a.json", RequestText.make(id: "a", steps: [Self.echo]))
        try root.drop("bad.json", Self.unknownProvider)
        try root.write("outbox/running/broken.json", "{ torn")
        let result = await CLITester(root: root.path, clock: ManualClock(start: Self.start)).run(["run", "--once"])
        #expect(result.code == .failure)
        let out = lines(result.stdout)
        #expect(out.count == 3, "\(result.stdout)")
        #expect(out.allSatisfy { $0.hasPrefix(Self.stamp) }, "\(result.stdout)")
        #expect(out.contains { $0.hasPrefix(Self.stamp + "succeeded a  ") })
        #expect(
            out.contains(
                Self.stamp + "rejected  bad.json: invalid_request - "
                    + (out.first { $0.contains("bad.json") }?.components(separatedBy: " - ").last ?? "")))
        #expect(out.last == Self.stamp + "1 run: 1 succeeded, 0 failed, 0 cancelled, 0 waiting; 1 rejected")
        // The warning about a record that cannot be read: on standard error, stamped, never among the results.
        let err = lines(result.stderr)
        #expect(
            err.count == 1 && err[0].hasPrefix(Self.stamp + "droprun: warning: unreadable record at outbox/running/broken.json"), "\(result.stderr)")
    }

    @Test func jsonLinesParseAndCarryTheirMembers() async throws {
        let root = try root()
        try root.drop("a.json", RequestText.make(id: "a", steps: [Self.echo]))
        try root.drop("b.json", RequestText.make(id: "b", steps: [Self.failing]))
        try root.drop("bad.json", Self.unknownProvider)
        try root.write("outbox/running/broken.json", "{ torn")
        let result = await CLITester(root: root.path, clock: ManualClock(start: Self.start)).run(["run", "--once", "--log-format", "json"])
        #expect(result.code == .failure)
        let out = try json(result.stdout)
        #expect(out.allSatisfy { $0["at"]?.stringValue == "2026-12-02T10:00:00.000Z" && $0["message"]?.stringValue != nil })
        let a = try #require(out.first { $0["runId"]?.stringValue == "a" })
        #expect(a["event"]?.stringValue == "run.finished" && a["status"]?.stringValue == "succeeded" && a["level"]?.stringValue == "info")
        #expect(a["durationMs"]?.intValue == 0 && a["error"] == nil && a["file"]?.stringValue == "a.json")
        let b = try #require(out.first { $0["runId"]?.stringValue == "b" })
        #expect(b["status"]?.stringValue == "failed" && b["error"]?.stringValue == "boom" && b["level"]?.stringValue == "error")
        let bad = try #require(out.first { $0["file"]?.stringValue == "bad.json" })
        #expect(bad["event"]?.stringValue == "run.rejected" && bad["error"]?.stringValue == "invalid_request")
        let summary = try #require(out.last)
        #expect(summary["event"]?.stringValue == "once.summary" && summary["level"]?.stringValue == "error" && summary["count"]?.intValue == 2)
        #expect(summary["message"]?.stringValue == "2 runs: 1 succeeded, 1 failed, 0 cancelled, 0 waiting; 1 rejected")
        let err = try json(result.stderr)
        #expect(err.map { $0["event"]?.stringValue } == ["warning"])
        #expect(err.first?["level"]?.stringValue == "warning")
    }

    @Test func logFormatComesFromTheConfigurationAndTheFlagWins() async throws {
        let root = try root(#"{"durability": "fast", "logFormat": "json"}"#)
        try root.drop("a.json", RequestText.make(id: "a", steps: [Self.echo]))
        let cli = CLITester(root: root.path, clock: ManualClock(start: Self.start))
        let fromConfiguration = await cli.run(["run", "--once"])
        #expect(try json(fromConfiguration.stdout).map { $0["event"]?.stringValue } == ["run.finished", "once.summary"])
        try root.drop("b.json", RequestText.make(id: "b", steps: [Self.echo]))
        let fromFlag = await cli.run(["run", "--once", "--log-format", "text"])
        #expect(lines(fromFlag.stdout).first?.hasPrefix(Self.stamp + "succeeded b") == true, "\(fromFlag.stdout)")
    }

    @Test(arguments: [["run", "--once"], ["watch"]])
    func anUnknownLogFormatIsAUsageError(_ command: [String]) async throws {
        let root = try root()
        let result = await CLITester(root: root.path, clock: ManualClock(start: Self.start)).run(command + ["--log-format", "bogus"])
        #expect(result.code == .usage)
        #expect(
            result.stderr == "droprun: invalid value 'bogus' for '--log-format': expected 'text' or 'json' (or set \"logFormat\" in droprun.json)\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func quietKeepsFailuresAndTheSummaryOfAPassThatFailed() async throws {
        let root = try root()
        try root.drop("a.json", RequestText.make(id: "a", steps: [Self.echo]))
        try root.drop("b.json", RequestText.make(id: "b", steps: [Self.failing]))
        try root.drop("bad.json", Self.unknownProvider)
        let cli = CLITester(root: root.path, clock: ManualClock(start: Self.start))
        let result = await cli.run(["run", "--once", "--quiet"])
        #expect(result.code == .failure)
        let out = lines(result.stdout).map { String($0.dropFirst(Self.stamp.count)) }
        #expect(out.count == 3, "\(result.stdout)")
        #expect(out[0...1].sorted().map { $0.prefix(10) } == ["failed    ", "rejected  "])
        #expect(out[2] == "2 runs: 1 succeeded, 1 failed, 0 cancelled, 0 waiting; 1 rejected")
        // A pass where everything went well says nothing at all: cron mails nothing.
        try root.drop("c.json", RequestText.make(id: "c", steps: [Self.echo]))
        let clean = await cli.run(["run", "--once", "--quiet"])
        #expect(clean.code == .success)
        #expect(clean.stdout.isEmpty && clean.stderr.isEmpty, "\(clean)")
    }

    @Test func aTakeoverIsOneLineNamingTheDeadRunnerAndHowManyRuns() async throws {
        let root = try root()
        let clock = ManualClock(start: Date())
        try LifecycleTests().leaveOrphan(root, owner: RunnerIdentity(host: "otherhost", pid: 77), heartbeatAge: 100, clock: clock)
        let text = await CLITester(root: root.path, clock: clock).run(["run", "--once"])
        #expect(text.code == .success, "\(text)")
        let stamp = Timestamp.format(clock.now())
        #expect(text.stderr == "\(stamp) droprun: took over 1 run of the dead runner otherhost-77\n")
        #expect(text.stdout.contains("succeeded orphan"))
    }

    @Test func runsOfARunnerThatStoppedCleanlyAreNotSaidToBeADeadRunners() async throws {
        let root = try root()
        let clock = ManualClock(start: Date())
        // No heartbeat and no checkpoint log: the runner stopped and released its runs (a crashed one leaves both).
        try LifecycleTests().leaveOrphan(root, owner: RunnerIdentity(host: "otherhost", pid: 77), heartbeatAge: nil, clock: clock)
        let text = await CLITester(root: root.path, clock: clock).run(["run", "--once"])
        #expect(text.code == .success, "\(text)")
        #expect(text.stderr == "\(Timestamp.format(clock.now())) droprun: took over 1 run released by otherhost-77, which stopped\n")
    }

    @Test func aTakeoverInJSONNamesTheRunnerAndTheCount() async throws {
        let root = try root()
        let clock = ManualClock(start: Date())
        try LifecycleTests().leaveOrphan(root, owner: RunnerIdentity(host: "otherhost", pid: 77), heartbeatAge: 100, clock: clock)
        let result = await CLITester(root: root.path, clock: clock).run(["run", "--once", "--log-format", "json"])
        let line = try #require(try json(result.stderr).first)
        #expect(line["event"]?.stringValue == "runner.takeover" && line["level"]?.stringValue == "info")
        #expect(line["runner"]?.stringValue == "otherhost-77" && line["count"]?.intValue == 1)
    }

    @Test func gcSaysWhatItPurgedInOneLine() async throws {
        let root = try await RetentionFixture.root(RetentionFixture.ids(2), durability: .fast)
        try root.write("droprun.json", #"{"retention": {"runsDays": 30}, "durability": "fast"}"#)
        let clock = InstantClock(start: RetentionFixture.t0.addingTimeInterval(40 * 86_400))
        let result = await CLITester(root: root.path, clock: clock).run(["run", "--once", "--log-format", "json"])
        #expect(result.code == .success, "\(result)")
        let gc = try #require(try json(result.stderr).first { $0["event"]?.stringValue == "gc.purged" }, "\(result.stderr)")
        #expect(gc["count"]?.intValue == 2 && (gc["bytes"]?.intValue ?? 0) > 0 && gc["level"]?.stringValue == "info")
        #expect(gc["message"]?.stringValue?.hasPrefix("droprun: gc removed 2 runs older than 30d (") == true)
    }

    @Test(.timeLimit(.minutes(1)))
    func runOnceThatLostItsLeaseSaysSoInOneLine() async throws {
        let root = try root()
        try root.drop(
            "paused.json",
            RequestText.make(
                id: "paused", steps: [#"{"id": "wait", "provider": "delay", "with": {"ms": 5000}}"#, Self.echo]))
        let clock = ManualClock(start: Self.start)
        let cli = CLITester(root: root.path, clock: clock)
        let task = Task { await cli.run(["run", "--once", "--log-format", "json"]) }
        #expect(await clock.waitForSleep(ms: 5000))
        // Another runner declares this one dead: its heartbeat goes, and its run is taken away.
        for name in root.list("outbox/runners") { try FileManager.default.removeItem(atPath: root.file("outbox/runners/" + name)) }
        try FileManager.default.moveItem(atPath: root.file("outbox/running/paused.json"), toPath: root.file("taken.json"))
        // A confirmed lease is trusted for a moment of real time (LeaseCheck, 250 ms): the next write looks again after it.
        try await Task.sleep(for: .milliseconds(300))
        clock.advance(by: .seconds(5))
        let result = await task.value
        #expect(result.code == .failure)
        let line = try #require(try json(result.stderr).last, "\(result.stderr)")
        #expect(line["event"]?.stringValue == "lease.lost" && line["level"]?.stringValue == "error")
        #expect(line["runner"]?.stringValue == "testhost:4242")
        #expect(line["message"]?.stringValue?.hasPrefix("droprun: runner testhost:4242 lost its lease") == true)
    }

    @Test(.timeLimit(.minutes(1)))
    func watchThatLostItsLeaseSaysSoInOneLine() async throws {
        let root = try root()
        let clock = ManualClock(start: Self.start)
        let cli = CLITester(root: root.path, clock: clock)
        let task = Task { await cli.run(["watch"]) }
        #expect(await WatchIntakeTests.eventually(30) { !root.list("outbox/runners").isEmpty && !clock.pendingSleeps.isEmpty })
        for name in root.list("outbox/runners") { try FileManager.default.removeItem(atPath: root.file("outbox/runners/" + name)) }
        // Housekeeping (every leaseSeconds / 3 of the clock) finds the heartbeat gone.
        for _ in 0..<30 { clock.advance(by: .seconds(1)) }
        let result = await task.value
        #expect(result.code == .failure)
        #expect(result.stdout.hasPrefix(Self.stamp + "watching "), "\(result.stdout)")
        let err = lines(result.stderr)
        #expect(err.count == 1, "\(result.stderr)")
        #expect(err.first?.contains(" droprun: the runner stopped: runner testhost:4242 lost its lease") == true, "\(result.stderr)")
    }

    @Test(.timeLimit(.minutes(1)))
    func watchSaysWhenItStartsAndStopsInJSON() async throws {
        let root = try root()
        try root.drop("a.json", RequestText.make(id: "a", steps: [Self.echo]))
        let clock = ManualClock(start: Self.start)
        var cli = CLITester(root: root.path, clock: clock)
        let stop = StopTokenBox()
        cli.installStopSignals = { stop.token = $0 }
        let task = Task { await cli.run(["watch", "--log-format", "json"]) }
        #expect(await WatchIntakeTests.eventually(30) { root.exists("outbox/results/a.json") && stop.token != nil })
        stop.token?.stop()
        let result = await task.value
        #expect(result.code == .success, "\(result)")
        #expect(try json(result.stdout).map { $0["event"]?.stringValue } == ["runner.started", "run.finished", "runner.stopped"])
    }
}

/// The stop token a `watch` under test was given.
final class StopTokenBox: Sendable {
    private let box = Mutex<StopToken?>(nil)
    var token: StopToken? {
        get { box.withLock { $0 } }
        set { box.withLock { $0 = newValue } }
    }
}
