import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

@Suite struct RunnerLogTests {
    let clock = ManualClock(start: Date(timeIntervalSince1970: 1_796_205_600))  // 2026-12-02T10:00:00.000Z
    let out = CapturedOutput()
    let err = CapturedOutput()

    func log(_ format: LogFormat = .text, quiet: Bool = false, pinned: Bool = false, outputIsTerminal: Bool = false) -> RunnerLog {
        RunnerLog(clock: clock, output: out, errors: err, format: format, formatPinned: pinned, quiet: quiet, outputIsTerminal: outputIsTerminal)
    }

    @Test func resultsGoToStandardOutputAndTheRestToStandardError() {
        let log = log()
        log.outcome(RunOutcome(kind: .finished(.succeeded), file: "a.json", runId: "a", durationMs: 3))
        clock.advance(by: .milliseconds(1500))
        RunnerWarnings(log: log).warn("outbox/running/x.json cannot be read")
        #expect(out.contents == "2026-12-02T10:00:00.000Z succeeded a  3 ms\n")
        #expect(err.contents == "2026-12-02T10:00:01.500Z droprun: warning: outbox/running/x.json cannot be read\n")
    }

    @Test func quietKeepsWarningsAndErrorsOnly() {
        let log = log(quiet: true)
        log.outcome(RunOutcome(kind: .finished(.succeeded), file: "a.json", runId: "a"))
        log.outcome(RunOutcome(kind: .control, file: "c.json", runId: "a"))
        log.outcome(RunOutcome(kind: .finished(.failed), file: "b.json", runId: "b", detail: "step_failed"))
        log.outcome(RunOutcome(kind: .rejected(.invalidJSON), file: "c.json"))
        let warnings = RunnerWarnings(log: log)
        warnings.notice("built the history index of 3 finished runs")
        warnings.warn("something unreadable")
        #expect(out.contents.split(separator: "\n").map { $0.dropFirst(25) } == ["failed    b  (step_failed)", "rejected  c.json: invalid_json"])
        #expect(err.contents.split(separator: "\n").map { $0.dropFirst(25) } == ["droprun: warning: something unreadable"])
    }

    @Test func aReloadedConfigurationChangesTheFormatUnlessTheFlagGaveIt() {
        var json = Configuration()
        json.logFormat = .json
        let followed = log()
        followed.follow(json)
        #expect(followed.format == .json)
        let pinned = log(.text, pinned: true)
        pinned.follow(json)
        #expect(pinned.format == .text)
    }

    @Test func warningsAreSaidOnceAndNoticesCarryTheirEvent() throws {
        let log = log(.json)
        let warnings = RunnerWarnings(log: log)
        warnings.warn("x")
        warnings.warn("x")
        warnings.notice(.configReloaded, "reloaded droprun.json")
        warnings.notice(.configRefused, "droprun.json refused: $.concurrency should be a whole number; keeping the old one")
        let lines = try err.contents.split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
        #expect(lines.map { $0["event"]?.stringValue } == ["warning", "config.reloaded", "config.refused"])
        #expect(lines.map { $0["level"]?.stringValue } == ["warning", "info", "warning"])
        #expect(warnings.noticeEvents == [.configReloaded, .configRefused])
        #expect(lines[2]["message"]?.stringValue?.contains("$.concurrency") == true)
    }

    @Test func theStatusLineIsClearedBeforeALineOnTheTerminalAndPutBackAfter() {
        let log = log()
        log.showStatus("droprun: 1 of 3 done")
        log.say(.warning, "droprun: warning: w")
        // Standard output is a pipe here: its lines leave the status line alone.
        log.outcome(RunOutcome(kind: .finished(.succeeded), file: "a.json", runId: "a"))
        log.clearStatus()
        log.clearStatus()
        let clear = RunnerLog.clearLine
        #expect(
            err.contents == clear + "droprun: 1 of 3 done" + clear + "2026-12-02T10:00:00.000Z droprun: warning: w\n" + "droprun: 1 of 3 done" + clear
        )
        #expect(out.contents == "2026-12-02T10:00:00.000Z succeeded a\n")
    }

    @Test func aResultOnTheSameTerminalClearsTheStatusLineToo() {
        let log = log(outputIsTerminal: true)
        log.showStatus("s")
        log.outcome(RunOutcome(kind: .finished(.succeeded), file: "a.json", runId: "a"))
        #expect(err.contents == RunnerLog.clearLine + "s" + RunnerLog.clearLine + "s")
    }
}
