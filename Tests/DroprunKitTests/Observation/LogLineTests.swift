import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

@Suite struct LogLineTests {
    static let at = Date(timeIntervalSince1970: 1_796_205_600.123)  // 2026-12-02T10:00:00.123Z

    @Test func textIsTheTimeThenTheWords() {
        let line = LogLine(at: Self.at, event: .notice, message: "droprun: built the history index")
        #expect(line.rendered(.text) == "2026-12-02T10:00:00.123Z droprun: built the history index")
        #expect(line.rendered(.text, stamped: false) == "droprun: built the history index")
    }

    @Test func jsonHasItsMembersInOrderAndLeavesOutWhatSaysNothing() throws {
        let outcome = RunOutcome(kind: .finished(.failed), file: "a.json", runId: "a", durationMs: 12, detail: "step_failed")
        let line = LogLine(outcome, at: Self.at)
        #expect(
            line.json
                == #"{"at":"2026-12-02T10:00:00.123Z","level":"error","event":"run.finished","runId":"a","status":"failed","durationMs":12,"error":"step_failed","file":"a.json","message":"failed    a  12 ms  (step_failed)"}"#
        )
        let notice = LogLine(at: Self.at, event: .gcPurged, message: "droprun: gc removed 2 runs", count: 2, bytes: 4096)
        let parsed = try JSONParser.parse(Array(notice.json.utf8))
        #expect(parsed["runId"] == nil && parsed["status"] == nil && parsed["durationMs"] == nil && parsed["error"] == nil)
        #expect(parsed["count"]?.intValue == 2 && parsed["bytes"]?.intValue == 4096)
        #expect(parsed["level"]?.stringValue == "info" && parsed["event"]?.stringValue == "gc.purged")
    }

    @Test func jsonEscapesWhatAMessageHolds() throws {
        let line = LogLine(at: Self.at, event: .warning, message: "droprun: warning: \"x\"\n\tbad \u{1}")
        let parsed = try JSONParser.parse(Array(line.json.utf8))
        #expect(parsed["message"]?.stringValue == "droprun: warning: \"x\"\n\tbad \u{1}")
        #expect(!line.json.contains("\n"))
    }

    @Test(arguments: [
        (RunOutcome.Kind.finished(.succeeded), LogEvent.runFinished, LogLevel.info),
        (.finished(.failed), .runFinished, .error),
        (.finished(.cancelled), .runFinished, .warning),
        (.rejected(.invalidJSON), .runRejected, .error),
        (.waiting, .runWaiting, .info),
        (.control, .controlApplied, .info),
        (.deferred, .runDeferred, .warning),
    ])
    func eachOutcomeHasItsEventAndLevel(_ kind: RunOutcome.Kind, _ event: LogEvent, _ level: LogLevel) {
        let line = LogLine(RunOutcome(kind: kind, file: "f.json", runId: "f"), at: Self.at)
        #expect(line.event == event)
        #expect(line.level == level)
    }

    @Test func aRejectionCarriesItsReasonAsTheError() {
        let line = LogLine(RunOutcome(kind: .rejected(.tooLarge), file: "big.json", detail: "over 1 MiB"), at: Self.at)
        #expect(line.error == "too_large")
        #expect(line.file == "big.json")
        #expect(line.message == "rejected  big.json: too_large - over 1 MiB")
    }

    /// The raw values are a contract with shippers' filters: a rename must fail here first.
    @Test func eventNamesAreStable() {
        #expect(
            LogEvent.allCases.map(\.rawValue) == [
                "run.finished", "run.rejected", "run.waiting", "run.deferred", "control.applied", "runner.started", "runner.stopped",
                "runner.failed", "runner.takeover", "once.summary", "config.reloaded", "config.refused", "gc.purged", "lease.lost",
                "warning", "notice",
            ])
        #expect(LogLevel.allCases.map(\.rawValue) == ["info", "warning", "error"])
    }
}
