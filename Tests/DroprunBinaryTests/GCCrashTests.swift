import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEndTests {
    /// `kill -9` of the built `droprun gc` at random moments over a root of expired runs, then gc again: every run whole
    /// or gone, never a result without its request or an artifacts folder without its run, one `run.purged` event and
    /// one purged-ids line per gone run, and the audit chains verify.
    @Suite(.serialized) struct GCCrashTests {
        static let count = 300
        /// When the runs ran (2026-01-01): long before the machine's clock, so `--older-than 30d` takes them all.
        static let ranAt = Date(timeIntervalSince1970: 1_767_225_600)

        func prepare(durability: String) async throws -> TemporaryRoot {
            let root = try TemporaryRoot()
            for i in 0..<Self.count {
                try root.drop(
                    "job-\(i).json",
                    RequestText.make(
                        id: "job-\(i)", steps: [#"{"id": "save", "provider": "artifact", "with": {"name": "out.txt", "content": "job \#(i)"}}"#]))
            }
            try await root.runOnce(clock: InstantClock(start: Self.ranAt))
            try root.write("droprun.json", #"{"durability": "\#(durability)"}"#)
            #expect(root.list("outbox/results").filter { !$0.hasPrefix(".") }.count == Self.count)
            return root
        }

        /// What holds at every instant, killed or not: no result without its request, no artifacts folder without a request.
        func checkNothingHalfRemoved(_ root: TemporaryRoot) {
            for i in 0..<Self.count {
                let id = "job-\(i)"
                let request = root.exists("outbox/requests/\(id).json")
                if root.exists("outbox/results/\(id).json") { #expect(request, "\(id): a result without its request") }
                if root.exists("artifacts/\(id)") { #expect(request, "\(id): an artifacts folder without its request") }
            }
        }

        @Test(arguments: ["fast", "strict"])
        func killNineAtRandomMomentsLeavesEveryRunWholeOrGone(durability: String) async throws {
            let root = try await prepare(durability: durability)
            var generator = SeededRandom.forTest("GCCrashTests.killNineAtRandomMoments(\(durability))")
            // Kills that found gc with work left (the check would be empty if gc always finished first).
            var interrupted = 0
            for _ in 0..<8 {
                let gc = try BuiltBinary.start(["gc", "--older-than", "30d"], root: root.path)
                // gc removes a few hundred runs in well under 100 ms: kills come early, so each finds work left.
                try await Task.sleep(for: .milliseconds(Int.random(in: 2...60, using: &generator)))
                kill(gc.processIdentifier, SIGKILL)
                _ = try? await waitFor(gc, timeout: 30)
                checkNothingHalfRemoved(root)
                if !root.list("outbox/results").filter({ !$0.hasPrefix(".") }).isEmpty || !root.list("outbox/purging").isEmpty { interrupted += 1 }
            }
            #expect(interrupted > 0, "no kill came before gc was done")
            let final = try await binary(["gc", "--older-than", "30d"], root: root.path, workingDirectory: nil, timeout: 120)
            #expect(final.code == 0, "\(final.stdout)\(final.stderr)")
            checkNothingHalfRemoved(root)
            #expect(root.list("outbox/results").filter { !$0.hasPrefix(".") }.isEmpty)
            #expect(root.list("outbox/requests").filter { !$0.hasPrefix(".") }.isEmpty)
            #expect(root.list("artifacts").filter { !$0.hasPrefix(".") }.isEmpty)
            #expect(root.list("outbox/purging").isEmpty)
            // One line and one event per run, never two.
            var lines: [String: Int] = [:]
            for line in (root.read("outbox/purged/purged.jsonl") ?? "").split(separator: "\n") {
                if let record = PurgeRecord(line: Array(line.utf8)) { lines[record.runId, default: 0] += 1 }
            }
            var events: [String: Int] = [:]
            for event in root.auditEvents() where event["event"] == "run.purged" {
                if let id = event["runId"]?.stringValue { events[id, default: 0] += 1 }
            }
            #expect(lines.count == Self.count && lines.values.allSatisfy { $0 == 1 }, "\(lines.filter { $0.value != 1 })")
            #expect(events.count == Self.count && events.values.allSatisfy { $0 == 1 }, "\(events.filter { $0.value != 1 })")
            // Every chain verifies (a line is one write(2): a kill leaves none torn).
            let verify = try await binary(["audit", "verify"], root: root.path, workingDirectory: nil, timeout: 60)
            #expect(verify.code == 0, "\(verify.stdout)\(verify.stderr)")
            // The ids stay refused.
            let status = try await binary(["status", "job-7"], root: root.path, workingDirectory: nil, timeout: 30)
            #expect(status.code == 0 && status.stdout.hasPrefix("job-7: purged"), "\(status.stdout)")
            // A purged run's request dropped again is refused as a duplicate.
            try root.drop(
                "again.json",
                RequestText.make(id: "job-3", steps: [#"{"id": "save", "provider": "artifact", "with": {"name": "out.txt", "content": "job 3"}}"#]))
            _ = try await binary(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 60)
            let error = root.json("outbox/rejected/again.json.error.json")
            #expect(error?["reason"] == "duplicate", "\(String(describing: error))")
            #expect(!root.exists("outbox/results/job-3.json"))
        }
    }
}
