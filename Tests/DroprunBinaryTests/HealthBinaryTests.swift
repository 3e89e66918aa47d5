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
    /// `droprun health` against a real `watch`: healthy while it serves, then `kill -9` and its run left behind.
    @Suite(.serialized) struct HealthBinaryTests {
        func eventually(_ seconds: Double = 10, _ condition: () -> Bool) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition() { return true }
                try await Task.sleep(for: .milliseconds(20))
            }
            return condition()
        }

        @Test func healthSeesAWatchServeThenDieAndItsRunWaitForATakeover() async throws {
            let root = try TemporaryRoot()
            try root.write("droprun.json", #"{"durability": "fast", "leaseSeconds": 1, "pollIntervalMs": 50}"#)
            let watcher = try BuiltBinary.start(["watch"], root: root.path)
            #expect(try await eventually { !root.list("outbox/runners").isEmpty })
            let served = try await droprun(["health"], root)
            #expect(served.code == 0, "\(served)")
            #expect(served.stdout.hasPrefix("healthy: 1 live runner ("), "\(served.stdout)")

            // A run in the middle of a step when the runner is killed.
            try root.drop("slow.json", RequestText.make(id: "slow", steps: [#"{"id": "wait", "provider": "delay", "with": {"ms": 1500}}"#]))
            #expect(try await eventually { root.json("outbox/running/slow.json")?["status"] == "running" })
            // Its heartbeat says it claimed the run (rewritten within a renewal, every 333 ms).
            #expect(try await eventually { root.list("outbox/runners").contains { root.json("outbox/runners/" + $0)?["claimed"] == 1 } })
            kill(watcher.processIdentifier, SIGKILL)
            _ = try await waitFor(watcher, timeout: 15)

            // Its process is gone: dead at once (same host), its heartbeat left where it was.
            let dead = try await droprun(["health"], root)
            #expect(dead.code == 1)
            #expect(dead.stdout.hasPrefix("no_live_runner: "), "\(dead.stdout)")
            // Twice the lease after the lease ran out, nobody has taken the run over.
            #expect(
                try await eventually(8) {
                    (try? BuiltBinary.run(["health"], root: root.path))?.stdout.contains("run_not_taken_over: run slow (running)") == true
                })
            let json = try await droprun(["health", "--json"], root)
            let report = try #require(try? JSONParser.parse(Array(json.stdout.utf8)))
            #expect(report["healthy"] == false)
            #expect(report["problems"]?.arrayValue?.compactMap { $0["code"]?.stringValue } == ["no_live_runner", "run_not_taken_over"])

            // A runner takes it over and finishes it; with none left running, only the runner is missing.
            #expect(try await droprun(["run", "--once"], root).code == 0)
            #expect(root.json("outbox/results/slow.json")?["status"] == "succeeded")
            let after = try await droprun(["health"], root)
            #expect(after.code == 1)
            #expect(after.stdout.split(separator: "\n").map { $0.prefix(15) } == ["no_live_runner:"], "\(after.stdout)")
        }
    }
}
