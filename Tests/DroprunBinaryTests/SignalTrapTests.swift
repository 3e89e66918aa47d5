import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// The signals that stop `watch`, with the built binary.
@Suite(.serialized) struct SignalTrapTests {
    /// A closed terminal or ssh session sends SIGHUP: `watch` stops cleanly (as for SIGTERM), not like `kill -9`,
    /// and `status` then says the run it held is interrupted rather than running.
    @Test(arguments: [SIGHUP, SIGTERM])
    func aStopSignalCheckpointsAndRemovesTheHeartbeat(_ signal: Int32) async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop(
            "long.json",
            RequestText.make(
                id: "long",
                steps: [
                    #"{"id": "first", "provider": "template", "with": {"template": "done"}}"#,
                    #"{"id": "wait", "provider": "delay", "with": {"ms": 60000}}"#,
                ]))
        let runner = try BuiltBinary.start(["watch", "--grace-seconds", "0"], root: root.path)
        let deadline = Date().addingTimeInterval(10)
        while root.auditEventNames(runId: "long").filter({ $0 == "step.started" }).count < 2, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // Signalled before the long step, the checks below would not be about a run caught in a step.
        try #require(root.auditEventNames(runId: "long").filter({ $0 == "step.started" }).count == 2, "the long step never started")
        kill(runner.processIdentifier, signal)
        let output = try await blockingWork { try runner.wait(timeout: 20) }
        #expect(output.code == 0, "signal \(signal): \(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("stopped; unfinished runs were checkpointed"), "\(output.stdout)")
        #expect(root.list("outbox/runners").isEmpty, "the heartbeat is removed")
        #expect(root.json("outbox/running/long.json")?["status"] == "running")

        let status = try await blockingWork { try BuiltBinary.run(["status", "long"], root: root.path) }
        #expect(status.stdout.contains("interrupted, resumes on the next runner"), "\(status.stdout)")
        let show = try await blockingWork { try BuiltBinary.run(["show", "long"], root: root.path) }
        #expect(show.stdout.contains("interrupted, resumes on the next runner"), "\(show.stdout)")
        let json = try await blockingWork { try BuiltBinary.run(["status", "long", "--json"], root: root.path) }
        #expect(try JSONParser.parse(json.stdout)["interrupted"]?.stringValue?.contains("resumes on the next runner") == true, "\(json.stdout)")
    }
}
