import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The heartbeat's progress: written in place when it changed, touched when not, never brought back once removed,
/// and read back whole or not at all.
@Suite struct HealthHeartbeatTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)

    func heartbeat(_ root: TemporaryRoot, _ fs: any FileSystem) -> RunnerHeartbeat {
        RunnerHeartbeat(layout: root.layout, identity: RunnerIdentity(host: "testhost", pid: 4242), fileSystem: fs)
    }

    func content(claimed: Int = 0) -> RunnerHeartbeat.Content {
        RunnerHeartbeat.Content(
            mode: "watch", startedAt: Self.start, concurrency: 2,
            progress: RunnerHeartbeat.Progress(
                lastProgressAt: Self.start.addingTimeInterval(Double(claimed)), claimed: claimed, lastClaimedAt: claimed > 0 ? Self.start : nil))
    }

    func inode(_ path: String) -> UInt64? { (try? PosixFileSystem().info(path))??.inode }

    @Test func progressThatChangedIsWrittenInPlace() throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem()
        let beat = heartbeat(root, fs)
        let started = content()
        try beat.start(started)
        let before = inode(beat.path)
        let progress = content(claimed: 5).progress
        let (renewal, says) = beat.renew(after: started, progress: progress)
        #expect(renewal == .rewritten)
        #expect(says.progress == progress)
        // The same file (no rename put a new one in its place), and what it says reads back.
        #expect(inode(beat.path) == before)
        let json = try #require(root.json("outbox/runners/testhost-4242.json"))
        #expect(RunnerHeartbeat.Progress(json: json) == progress)
        #expect(json["claimed"] == 5)
        #expect(json["lastClaimedAt"]?.stringValue == Timestamp.format(Self.start))
        #expect(json["mode"] == "watch")
        let renewals = fs.operations.filter { $0.hasPrefix("overwriteExisting") || $0.hasPrefix("writeAtomically") || $0.hasPrefix("touch") }
        #expect(renewals == ["writeAtomically \(beat.path)", "overwriteExisting \(beat.path)"])
    }

    @Test func unchangedProgressOnlyTouches() throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem()
        let beat = heartbeat(root, fs)
        let started = content(claimed: 1)
        try beat.start(started)
        let before = root.read("outbox/runners/testhost-4242.json")
        #expect(beat.renew(after: started, progress: started.progress) == (.touched, started))
        #expect(fs.operations.last == "touch \(beat.path)")
        #expect(root.read("outbox/runners/testhost-4242.json") == before)
    }

    /// Another runner buried this one: no renewal, with news or without, makes the heartbeat again.
    @Test func aRemovedHeartbeatIsNeverBroughtBack() throws {
        let root = try TemporaryRoot()
        let beat = heartbeat(root, PosixFileSystem())
        let started = content()
        try beat.start(started)
        try PosixFileSystem().remove(beat.path)
        let (renewal, says) = beat.renew(after: started, progress: content(claimed: 1).progress)
        #expect(renewal == .lost)
        #expect(says == started)
        #expect(beat.renew(after: started, progress: started.progress).renewal == .lost)
        #expect(!beat.renew())
        #expect(!root.exists("outbox/runners/testhost-4242.json"))
        #expect(root.list("outbox/runners").isEmpty, "no temporary file either")
    }

    @Test func overwriteExistingNeverCreatesAndTruncatesToTheNewLength() throws {
        let root = try TemporaryRoot()
        let fs = PosixFileSystem()
        let path = root.file("outbox/runners/x.json")
        #expect(throws: FileSystemError.self) { try fs.overwriteExisting(path, Array("new".utf8)) }
        #expect(!root.exists("outbox/runners/x.json"))
        try root.write("outbox/runners/x.json", "a much longer old content")
        try fs.overwriteExisting(path, Array("short".utf8))
        #expect(root.read("outbox/runners/x.json") == "short")
        do {
            try fs.overwriteExisting(root.file("outbox/runners/gone.json"), [])
            Issue.record("a missing file was written")
        } catch {
            #expect(error.isNotFound)
        }
    }

    /// A full disk: the lease is kept by a touch, and the news is tried again at the next renewal.
    @Test func aFailedRewriteStillRenewsTheLease() throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem([.init("overwriteExisting", code: ENOSPC, times: 1)])
        let beat = heartbeat(root, fs)
        let started = content()
        try beat.start(started)
        let progress = content(claimed: 2).progress
        #expect(beat.renew(after: started, progress: progress) == (.touched, started))
        #expect(fs.operations.last == "touch \(beat.path)")
        #expect(beat.renew(after: started, progress: progress).renewal == .rewritten)
        #expect(RunnerHeartbeat.Progress(json: try #require(root.json("outbox/runners/testhost-4242.json"))) == progress)
    }

    /// A read in the moment of a rewrite (a cut file, or the new content with the old one's tail): no progress known,
    /// the runner still live by its file's time, and never called stalled.
    @Test(arguments: ["cut", "tail", "empty"])
    func aTornHeartbeatSaysNoProgress(kind: String) throws {
        let f = try HealthFixture()
        try f.drop("old.json", ago: 3_600)
        let whole = String(decoding: heartbeat(f.root, PosixFileSystem()).bytes(content(claimed: 3)), as: UTF8.self)
        let torn =
            switch kind {
            case "cut": String(whole.prefix(whole.count / 2))
            case "tail": whole + "ished\": 2\n}\n"
            default: ""
            }
        try f.write("outbox/runners/otherhost-1.json", torn, ago: 1)
        let report = try f.check()
        let runner = try #require(report.snapshot.runners.first)
        #expect(runner.isLive)
        #expect(runner.progress == nil)
        #expect(runner.lastProgressAt == nil)
        #expect(!report.problems.contains { $0.kind == .runnerStalled || $0.kind == .noLiveRunner }, "\(report.problems.map(\.line))")
    }

    /// `watch` itself: its heartbeat comes to say what it claimed and finished, in the same file, and once removed
    /// it stays removed however much progress follows.
    @Test(.timeLimit(.minutes(1)))
    func watchWritesItsProgressIntoItsHeartbeatInPlace() async throws {
        let root = try TemporaryRoot()
        var configuration = Configuration.fastForTests
        // Renewals every 333 ms of real time (the lease is judged by real file times).
        configuration.leaseSeconds = 1
        let fs = FaultyFileSystem()
        let context = root.engine(clock: ManualClock(), configuration: configuration, fileSystem: fs)
        defer { context.audit.close() }
        try root.drop("x.json", echoRequest(id: "x"))
        let path = context.heartbeat.path
        let watch = Task { try await Runner(context: context).watch(grace: .zero) }
        func says() -> RunnerHeartbeat.Progress? { root.json("outbox/runners/testhost-4242.json").flatMap(RunnerHeartbeat.Progress.init(json:)) }
        func eventually(_ condition: () -> Bool) async -> Bool {
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if condition() { return true }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return condition()
        }
        #expect(await eventually { inode(path) != nil })
        let first = inode(path)
        #expect(
            await eventually { says()?.finished == 1 }, "the heartbeat says \(String(describing: root.read("outbox/runners/testhost-4242.json")))")
        #expect(says()?.claimed == 1)
        #expect(says()?.lastFinishedAt != nil)
        #expect(inode(path) == first, "the heartbeat was replaced, not rewritten in place")
        // Buried by another runner; then this one makes progress: its next renewals must not bring the file back.
        let before = fs.operations.count
        try PosixFileSystem().remove(path)
        context.activity.claimed(at: context.clock.now())
        // Renewals after the removal: the new progress is tried in place (no O_CREAT), which finds no file: `.lost`.
        func renewalsAfterRemoval() -> [String] {
            fs.operations.dropFirst(before).filter { $0 == "overwriteExisting \(path)" || $0 == "touch \(path)" }
        }
        #expect(await eventually { renewalsAfterRemoval().count >= 2 }, "renewals after the removal: \(renewalsAfterRemoval())")
        #expect(!root.exists("outbox/runners/testhost-4242.json"))
        #expect(!context.heartbeat.isHeld)
        context.stop.stop()
        _ = try? await watch.value
        #expect(!root.exists("outbox/runners/testhost-4242.json"))
    }
}
