import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension EndToEndTests {
    /// `droprun cancel` and dropped cancel files, as real processes.
    ///
    /// Every test works on its own fresh root with `"durability": "fast"`.
    @Suite(.serialized) struct CancelCommandTests {
        @Test func cancelCommandCancelsARequestWaitingInTheInbox() async throws {
            let root = try makeRoot()
            try root.drop("later.json", echoRequest(id: "later"))
            let cancelled = try await droprun(["cancel", "later"], root)
            #expect(cancelled.code == 0, "\(cancelled)")
            let ran = try await droprun(["run", "--once"], root)
            #expect(ran.code == 1, "a cancelled run makes run --once exit 1: \(ran)")
            let record = try #require(root.json("outbox/results/later.json"), "\(ran.stdout)")
            #expect(record["status"]?.stringValue == "cancelled")
            let started = auditEvents(root).filter { $0["runId"]?.stringValue == "later" && $0["event"]?.stringValue == "step.started" }
            #expect(started.isEmpty, "a step of the cancelled request ran")
            #expect(auditEvents(root).contains { $0["runId"]?.stringValue == "later" && $0["event"]?.stringValue == "run.cancelled" })

            let finished = try await droprun(["cancel", "later"], root)
            #expect(finished.code == 1, "cancelling a finished run must fail: \(finished)")
            let unknown = try await droprun(["cancel", "never-was"], root)
            #expect(unknown.code == 1 && unknown.stderr.contains("never-was"), "\(unknown)")
        }

        /// Section 6: a request still waiting in the inbox can be cancelled; it ends `cancelled` without any step running.
        @Test func cancelDroppedForAWaitingRequestCancelsIt() async throws {
            let root = try makeRoot()
            try root.drop("waiting.json", echoRequest(id: "waiting"))
            try root.drop("stop.json", #"{"kind":"cancel","runId":"waiting"}"#)
            let now = Date()
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-20)], ofItemAtPath: root.file("inbox/waiting.json"))
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-10)], ofItemAtPath: root.file("inbox/stop.json"))
            let result = try await droprun(["run", "--once"], root)
            #expect(result.code == 1, "a cancelled run makes run --once exit 1: \(result)")
            #expect(
                root.json("outbox/results/waiting.json")?["status"]?.stringValue == "cancelled",
                "the waiting request was not cancelled: \(result.stdout)")
            let started = auditEvents(root).filter { $0["runId"]?.stringValue == "waiting" && $0["event"]?.stringValue == "step.started" }
            #expect(started.isEmpty, "a step of the cancelled request ran")
        }

        /// Section 6: a cancel dropped while `run --once` works on the run is read at once and interrupts the current step.
        @Test func cancelDroppedWhileARunIsRunningInterruptsIt() async throws {
            let root = try makeRoot()
            try root.drop(
                "long.json",
                """
                {"workflow":{"name":"w","steps":[
                  {"id":"first","provider":"echo","with":{}},
                  {"id":"slow","provider":"delay","with":{"ms":30000}},
                  {"id":"never","provider":"echo","with":{}}]}}
                """)
            let child = try BuiltBinary.start(["run", "--once"], root: root.path)
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !root.exists("outbox/running/long.json") { try await Task.sleep(for: .milliseconds(20)) }
            try root.write("inbox/.stop.json.tmp", #"{"kind":"cancel","runId":"long"}"#)
            #expect(rename(root.file("inbox/.stop.json.tmp"), root.file("inbox/stop.json")) == 0)
            let result = try await waitFor(child, timeout: 20)
            let record = root.json("outbox/results/long.json")
            #expect(record?["status"]?.stringValue == "cancelled", "the cancel did not stop the run: \(result.stdout)")
            // Far under the 30 s step; a loose bound, as the test machine may be busy.
            #expect(result.seconds < 15, "the current step was not interrupted (run --once took \(result.seconds) s)")
            #expect(result.code == 1, "a cancelled run makes run --once exit 1")
            #expect(record?["steps"]?.arrayValue?.last?["status"]?.stringValue == "skipped")
        }
    }
}
