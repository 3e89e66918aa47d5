import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

@Suite struct ProgressDisplayTests {
    static let start = Date(timeIntervalSince1970: 1_796_205_600)

    @Test func theLineSaysDoneOfTotalRateETAAndFailures() {
        var line = ProgressLine(total: 10, startedAt: Self.start)
        for i in 0..<4 { line.note(RunOutcome(kind: .finished(i == 0 ? .failed : .succeeded), file: "\(i).json", runId: "\(i)")) }
        #expect(line.text(at: Self.start) == "droprun: 4 of 10 done, - runs/s, ETA -, 1 failed")
        #expect(line.text(at: Self.start.addingTimeInterval(2)) == "droprun: 4 of 10 done, 2.0 runs/s, ETA 3s, 1 failed")
        line.note(RunOutcome(kind: .rejected(.invalidJSON), file: "r.json"))
        #expect(line.text(at: Self.start.addingTimeInterval(5)) == "droprun: 5 of 10 done, 1.0 runs/s, ETA 5s, 1 failed, 1 rejected")
    }

    @Test func aRunThatWaitedAndFinishedCountsOnceAndDeferredNotAtAll() {
        var line = ProgressLine(total: 2, startedAt: Self.start)
        line.note(RunOutcome(kind: .waiting, file: "w.json", runId: "w"))
        line.note(RunOutcome(kind: .waiting, file: "w.json", runId: "w"))
        line.note(RunOutcome(kind: .control, file: "approve.json", runId: "w"))
        line.note(RunOutcome(kind: .finished(.succeeded), file: "w.json", runId: "w"))
        line.note(RunOutcome(kind: .deferred, file: "d.json"))
        #expect(line.done == 2)
        // More done than counted at the start (a run taken over): the total follows, the ETA is unknown.
        line.note(RunOutcome(kind: .finished(.succeeded), file: "t.json", runId: "t"))
        #expect(line.text(at: Self.start.addingTimeInterval(1)) == "droprun: 3 of 3 done, 3.0 runs/s, ETA -, 0 failed")
    }

    @Test(arguments: [(0.2, "1s"), (59, "59s"), (61, "1m01s"), (3599, "59m59s"), (7260, "2h01m")])
    func etaIsShort(_ seconds: Double, _ text: String) {
        #expect(ProgressLine.etaText(seconds) == text)
    }

    @Test func drawsAtMostEveryHundredMillisecondsByTheClock() {
        let clock = ManualClock(start: Self.start)
        let err = CapturedOutput()
        let log = RunnerLog(clock: clock, output: CapturedOutput(), errors: err)
        let display = ProgressDisplay(log: log, clock: clock, total: 3)
        display.refresh()
        display.note(RunOutcome(kind: .finished(.succeeded), file: "a.json", runId: "a"))
        display.refresh()
        clock.advance(by: .milliseconds(99))
        display.refresh()
        #expect(err.contents == RunnerLog.clearLine + "droprun: 0 of 3 done, - runs/s, ETA -, 0 failed")
        clock.advance(by: .milliseconds(1))
        display.refresh()
        #expect(err.contents.hasSuffix(RunnerLog.clearLine + "droprun: 1 of 3 done, 10.0 runs/s, ETA 1s, 0 failed"))
        display.finish()
        clock.advance(by: .seconds(1))
        display.refresh()
        #expect(err.contents.hasSuffix("0 failed" + RunnerLog.clearLine), "cleared at the end, and not drawn again")
    }

    @Test(.timeLimit(.minutes(1)))
    func theTicksSleepOnTheClock() async {
        let clock = ManualClock(start: Self.start)
        let err = CapturedOutput()
        let display = ProgressDisplay(log: RunnerLog(clock: clock, output: CapturedOutput(), errors: err), clock: clock, total: 1)
        display.start()
        #expect(err.contents.components(separatedBy: RunnerLog.clearLine).count == 2)
        #expect(await clock.waitForSleep(ms: 100))
        display.note(RunOutcome(kind: .finished(.succeeded), file: "a.json", runId: "a"))
        clock.advance(by: .milliseconds(100))
        #expect(await WatchIntakeTests.eventually { err.contents.contains("1 of 1 done") })
        display.finish()
        #expect(err.contents.hasSuffix(RunnerLog.clearLine))
    }
}
