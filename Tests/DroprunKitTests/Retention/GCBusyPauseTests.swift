import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// How `gc` yields to a runner that holds claims: smaller slices, and a pause after each twice as long as it took.
@Suite struct GCBusyPauseTests {
    typealias F = RetentionFixture

    /// Twice the slice's time, at most a second; nothing when no runner is busy.
    @Test(arguments: [
        (0.1, true, 0.2), (0.4, true, 0.8), (0.5, true, 1.0), (3.0, true, 1.0), (0.0, true, 0.0), (0.3, false, 0.0), (2.0, false, 0.0),
    ])
    func pauseAfterASlice(took: Double, busy: Bool, pause: Double) {
        #expect(abs(GCOptions().pause(afterSliceOf: took, busy: busy) - pause) < 1e-9)
    }

    /// A slice of the command (a thousand runs) is cut to `busySliceSize` while a runner is busy; a watch pass's
    /// smaller slices stay as they are.
    @Test func slicesAreSmallerWhileARunnerIsBusy() {
        var options = GCOptions()
        options.sliceSize = 1000
        #expect(options.sliceSize(busy: false) == 1000)
        #expect(options.sliceSize(busy: true) == 200)
        options.sliceSize = 100
        #expect(options.sliceSize(busy: true) == 100)
    }

    /// With a runner's claim in the root, each step purges `busySliceSize` runs and says it was busy; without, one step
    /// takes the whole slice on all threads.
    @Test func aBusyRunnerGetsSmallSlices() async throws {
        for busy in [false, true] {
            let ids = F.ids(25)
            let root = try await F.root(ids)
            if busy { try root.write("outbox/claimed/otherhost-1-a/other.json", "{}") }
            let context = F.engine(root)
            defer { context.audit.close() }
            var options = GCOptions.olderThan(30 * 86_400, auditDays: nil, now: context.clock.now())
            options.sliceSize = 1000
            options.busySliceSize = 10
            let gc = GarbageCollector(context: context, options: options)
            try gc.begin()
            var steps: [Int] = []
            while !gc.isDone {
                let before = gc.report.purged.count
                gc.step()
                #expect(gc.busy == busy)
                steps.append(gc.report.purged.count - before)
            }
            gc.finish()
            #expect(steps == (busy ? [10, 10, 5] : [25]), "busy \(busy)")
            #expect(F.checkWholeOrGone(root, ids).isEmpty)
        }
    }
}
