import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Children never hold the threads the runner's timers need: with the built binary and real processes.
@Suite struct PosixProcessLauncherTests {
    /// A 300 ms limit ends the step in time while four other `exec` steps run, and a `delay` step's timer is not late.
    ///
    /// Before children had threads of their own, their reads and `waitpid` held
    /// the threads Swift concurrency runs on: the limit fired after about 2.3 s,
    /// and the delay was as late. The bounds leave room for a loaded machine.
    @Test func aTimeLimitEndsInTimeWhileOtherCommandsRun() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", """
            {"concurrency": 6, "providers": {"exec": {"commands": {
              "limited": {"path": "/bin/sleep", "timeoutMs": 300},
              "busy": {"path": "/bin/sleep", "timeoutMs": 30000}}}}}
            """)
        try root.drop("limited.json", RequestText.make(id: "limited", steps: [
            #"{"id": "s", "provider": "exec", "with": {"command": "limited", "args": ["10"]}}"#,
        ]))
        for i in 0..<4 {
            try root.drop("busy-\(i).json", RequestText.make(id: "busy-\(i)", steps: [
                #"{"id": "s", "provider": "exec", "with": {"command": "busy", "args": ["3"]}}"#,
            ]))
        }
        try root.drop("timer.json", RequestText.make(id: "timer", steps: [
            #"{"id": "wait", "provider": "delay", "with": {"ms": 250}}"#,
        ]))
        let output = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 60) }
        #expect(output.code == 1, "\(output.stdout)\(output.stderr)")

        let limited = try #require(root.json("outbox/results/limited.json")?["steps"]?[0])
        #expect(limited["error"]?["code"] == "step_timeout")
        let limitedMs = try #require(limited["durationMs"]?.intValue)
        #expect(limitedMs < 800, "the 300 ms limit ended the step after \(limitedMs) ms")

        let wait = try #require(root.json("outbox/results/timer.json")?["steps"]?[0])
        #expect(wait["status"] == "succeeded")
        let waitMs = try #require(wait["durationMs"]?.intValue)
        #expect(waitMs < 800, "a 250 ms delay took \(waitMs) ms while commands ran")
        for i in 0..<4 {
            // `sleep` prints nothing, which is not JSON: each ran to its end and failed for its output only.
            #expect(root.json("outbox/results/busy-\(i).json")?["error"]?["code"] == "exec_bad_output")
        }
    }
}
