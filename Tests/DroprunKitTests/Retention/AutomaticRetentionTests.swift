import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `retention` applied on its own: `run --once` at its end, `watch` a minute after start and then at most hourly.
@Suite struct AutomaticRetentionTests {
    typealias F = RetentionFixture

    @Test func theTimerIsDueAMinuteAfterStartThenHourly() {
        let start = F.t0
        let timer = RetentionTimer(start: start)
        #expect(!timer.claim(now: start.addingTimeInterval(59)))
        #expect(timer.claim(now: start.addingTimeInterval(60)))
        // Never two at once, and not again before an hour.
        #expect(!timer.claim(now: start.addingTimeInterval(61)))
        timer.ended()
        #expect(!timer.claim(now: start.addingTimeInterval(60 + 3_599)))
        #expect(timer.claim(now: start.addingTimeInterval(60 + 3_600)))
        #expect(!timer.claim(now: start.addingTimeInterval(60 + 7_200)), "still running")
        timer.ended()
        #expect(timer.claim(now: start.addingTimeInterval(60 + 7_200)))
    }

    /// A reload that turns retention off and on again during a pass: no second pass starts beside it (`watch` keeps
    /// one timer and one collector).
    @Test func turnedOnAgainTheTimerWaitsForThePassStillRunning() {
        let start = F.t0
        let timer = RetentionTimer(start: start)
        #expect(timer.claim(now: start.addingTimeInterval(60)))
        timer.restart(now: start.addingTimeInterval(70))
        #expect(!timer.claim(now: start.addingTimeInterval(130)), "the first pass still runs")
        timer.ended()
        #expect(timer.claim(now: start.addingTimeInterval(130)), "a minute after it was turned on again")
    }

    /// Beside a busy runner (it holds a claim), `watch`'s pass pauses after each slice on the engine's clock.
    @Test(.timeLimit(.minutes(1)))
    func thePassPausesBetweenSlicesBesideABusyRunner() async throws {
        let root = try await F.root(F.ids(3))
        try root.write("outbox/claimed/otherhost-1-a/other.json", "{}")
        let clock = ManualClock(start: F.t0.addingTimeInterval(40 * 86_400))
        let context = F.engine(root, retention: RetentionSettings(runsDays: 30), clock: clock)
        defer { context.audit.close() }
        let pass = Task { await RetentionPass.run(context: context, sliceSize: 1) }
        func remaining() -> Int { F.visible(root, "outbox/results").count }
        // The pause follows how long the slice took (at most busyPauseLimit): each is advanced by what it is.
        for left in [2, 1] {
            #expect(await clock.waitForSleepers(1, timeout: 10), "no pause after a slice")
            #expect(remaining() == left)
            let pauses = clock.pendingSleeps
            #expect(pauses.count == 1 && pauses.allSatisfy { $0 <= Int(GCOptions().busyPauseLimit * 1000) }, "\(pauses)")
            clock.advance(by: .milliseconds(pauses.max() ?? 500))
        }
        // No pause after the last slice (a pause there would be a failure, not a hang).
        #expect(await eventually { F.visible(root, "outbox/results").isEmpty || !clock.pendingSleeps.isEmpty })
        #expect(clock.pendingSleeps.isEmpty)
        clock.advance(by: .seconds(3600))
        let report = await pass.value
        #expect(report?.purged.count == 3)
    }

    @Test(arguments: [Durability.fast, .strict])
    func runOnceCollectsAtItsEndAndSaysSo(_ durability: Durability) async throws {
        let root = try await F.root(F.ids(3), durability: durability)
        try root.drop("fresh.json", F.request("fresh"))
        try root.write("droprun.json", #"{"retention": {"runsDays": 30}, "durability": "\#(durability.rawValue)"}"#)
        let result = await CLITester(root: root.path, clock: InstantClock(start: F.t0.addingTimeInterval(40 * 86_400))).run(["run", "--once"])
        #expect(result.code == .success, "\(result)")
        #expect(result.stdout.contains("1 run: 1 succeeded") && result.stdout.contains("; gc purged 3 runs ("), "\(result.stdout)")
        #expect(result.stderr.contains("droprun: gc removed 3 runs older than 30d ("), "\(result.stderr)")
        #expect(F.visible(root, "outbox/results") == ["fresh.json"])
        #expect(F.checkWholeOrGone(root, F.ids(3) + ["fresh"]).isEmpty)
    }

    @Test func runOnceWithoutRetentionCollectsNothing() async throws {
        let root = try await F.root(["a"])
        let context = F.engine(root)
        defer { context.audit.close() }
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.gc == nil)
        #expect(root.exists("outbox/results/a.json"))
    }

    @Test(.timeLimit(.minutes(1)))
    func watchCollectsAMinuteAfterStart() async throws {
        let root = try await F.root(F.ids(4))
        let clock = ManualClock(start: F.t0.addingTimeInterval(40 * 86_400))
        let context = F.engine(root, retention: RetentionSettings(runsDays: 30), clock: clock)
        defer { context.audit.close() }
        let watch = Task { try await Runner(context: context).watch(grace: .zero) }
        func remaining() -> Int { F.visible(root, "outbox/results").count }
        // Nothing before a minute has passed.
        #expect(await WatchIntakeTests.eventually { !clock.pendingSleeps.isEmpty })
        clock.advance(by: .seconds(30))
        _ = await WatchIntakeTests.eventually(0.2) { remaining() < 4 }
        #expect(remaining() == 4)
        // The poll ticks after the minute wake the loop, which starts the pass.
        var steps = 0
        while remaining() > 0, steps < 200 {
            steps += 1
            clock.advance(by: .seconds(1))
            _ = await WatchIntakeTests.eventually(0.05) { remaining() == 0 }
        }
        #expect(remaining() == 0)
        #expect(
            await WatchIntakeTests.eventually { context.warnings.notices.contains { $0.hasPrefix("gc removed 4 runs older than 30d") } },
            "\(context.warnings.notices)")
        context.stop.stop()
        try await watch.value
        #expect(F.checkWholeOrGone(root, F.ids(4)).isEmpty)
        // The pass let the lock go.
        let lock = try GCLock.acquire(layout: root.layout, identity: RunnerIdentity(host: "next", pid: 1))
        lock.release()
    }
}

/// The automatic pass does its file work on a thread of its own, never on the cooperative pool.
@Suite struct RetentionPassThreadTests {
    typealias F = RetentionFixture

    @Test(arguments: [Durability.fast, .strict])
    func everySliceRunsOnTheGCThread(_ durability: Durability) async throws {
        let root = try await F.root(F.ids(5), durability: durability)
        let fs = FaultyFileSystem()
        let context = F.engine(root, durability: durability, retention: RetentionSettings(runsDays: 30), fileSystem: fs)
        defer { context.audit.close() }
        let report = try #require(await RetentionPass.run(context: context, sliceSize: 2))
        #expect(report.purged.count == 5)
        let threads = fs.operationThreads
        #expect(!threads.isEmpty && threads.allSatisfy { $0 == "droprun-gc" || $0.hasPrefix("droprun-gc-") }, "\(Set(threads))")
    }
}
