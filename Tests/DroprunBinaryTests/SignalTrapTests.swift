import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// The signals that stop `watch` (SIGTERM, SIGINT) and the one that reloads its configuration (SIGHUP), with the built binary.
@Suite(.serialized) struct SignalTrapTests {
    /// `watch` stops cleanly on SIGTERM (systemd's stop) and SIGINT (Ctrl-C), not like `kill -9`, and `status` then
    /// says the run it held is interrupted rather than running.
    @Test(arguments: [SIGTERM, SIGINT])
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

extension SignalTrapTests {
    /// SIGHUP (systemd's `ExecReload`) reads `droprun.json` again without stopping: a new exec alias is usable at once
    /// (long before the next housekeeping look, the run in flight keeps the runner busy), the command line's
    /// `--concurrency` still wins, and SIGTERM then stops as before.
    @Test func sighupReloadsTheConfigurationAndSIGTERMStillStops() async throws {
        let root = try TemporaryRoot()
        // A long lease: housekeeping (which would notice the change on its own) comes only every 20 s.
        try root.write("droprun.json", #"{"durability": "fast", "leaseSeconds": 60}"#)
        try root.drop("long.json", RequestText.make(id: "long", steps: [#"{"id": "wait", "provider": "delay", "with": {"ms": 60000}}"#]))
        let runner = try BuiltBinary.start(["watch", "--grace-seconds", "0", "--concurrency", "2", "--poll-interval-ms", "50"], root: root.path)
        let deadline = Date().addingTimeInterval(10)
        while !root.auditEventNames(runId: "long").contains("step.started"), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try #require(root.auditEventNames(runId: "long").contains("step.started"), "the long step never started")

        try root.write(
            "droprun.json",
            #"{"durability": "fast", "leaseSeconds": 60, "concurrency": 8, "providers": {"exec": {"commands": {"cat": {"path": "/bin/cat"}}}}}"#)
        kill(runner.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(300))
        #expect(kill(runner.processIdentifier, 0) == 0, "SIGHUP must not stop watch")
        try root.drop(
            "quick.json", RequestText.make(id: "quick", steps: [#"{"id": "c", "provider": "exec", "with": {"command": "cat", "input": {"n": 7}}}"#]))
        let served = Date().addingTimeInterval(10)
        while !root.exists("outbox/results/quick.json"), !root.exists("outbox/rejected/quick.json"), Date() < served {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(
            root.json("outbox/results/quick.json")?["status"] == "succeeded", "\(root.read("outbox/rejected/quick.json.error.json") ?? "no result")")

        kill(runner.processIdentifier, SIGTERM)
        let output = try await blockingWork { try runner.wait(timeout: 20) }
        #expect(output.code == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("stopped; unfinished runs were checkpointed"), "\(output.stdout)")
        // Each line starts with the runner's UTC time, then the words.
        let reloads = output.stderr.split(separator: "\n").filter { $0.contains("droprun.json reloaded") }.map {
            $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
        }
        #expect(
            reloads == ["droprun: droprun.json reloaded on SIGHUP: providers.exec.commands.cat added; the command line wins: --concurrency 2"],
            "\(output.stderr)")
        #expect(root.list("outbox/runners").isEmpty, "the heartbeat is removed")
    }
}
