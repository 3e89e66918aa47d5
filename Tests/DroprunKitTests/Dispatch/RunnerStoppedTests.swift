import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Why a runner stopped on its own is a typed cause, so the commands tell a lost lease apart without comparing words.
@Suite struct RunnerStoppedTests {
    @Test(.timeLimit(.minutes(1)))
    func aWatchThatLostItsHeartbeatStopsWithALostLease() async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock()
        let context = root.engine(clock: clock)
        defer { context.audit.close() }
        let watch = Task { try await Runner(context: context).watch(grace: .zero) }
        #expect(await WatchIntakeTests.eventually(30) { context.heartbeat.isHeld && !clock.pendingSleeps.isEmpty })
        // Another runner buries this one; housekeeping (every leaseSeconds / 3 of the clock) finds the heartbeat gone.
        try FileManager.default.removeItem(atPath: context.heartbeat.path)
        for _ in 0..<30 { clock.advance(by: .seconds(1)) }
        let stopped = await #expect(throws: RunnerStopped.self) { try await watch.value }
        #expect(stopped?.cause == .leaseLost(runner: "testhost:4242"))
        #expect(stopped?.lostLease == LostLease(runner: "testhost:4242"))
        #expect(stopped?.description == "the runner stopped: " + LostLease(runner: "testhost:4242").description)
    }

    @Test func aFailureKeepsItsWords() {
        let stopped = RunnerStopped(.failed("cannot write outbox/running/a.json: EIO"))
        #expect(stopped.lostLease == nil)
        #expect(stopped.description == "the runner stopped: cannot write outbox/running/a.json: EIO")
    }
}
