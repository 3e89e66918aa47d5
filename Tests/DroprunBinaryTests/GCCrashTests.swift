import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension EndToEndTests {
    /// `kill -9` of the built `droprun gc` over a root of expired runs, then gc again: every run whole or gone, never a
    /// result without its request or an artifacts folder without its run, one `run.purged` event and one purged-ids
    /// line per gone run, and the audit chains verify.
    ///
    /// Two kinds of kill: at random moments (below), and at the Nth rename or unlink of gc (`GCCrashTests+Syscalls`),
    /// which lands inside the protocol's windows however fast gc is.
    @Suite(.serialized) struct GCCrashTests {
        static let count = 300
        /// When the runs ran (2026-01-01): long before the machine's clock, so `--older-than 30d` takes them all.
        static let ranAt = Date(timeIntervalSince1970: 1_767_225_600)
        static let gc = ["gc", "--older-than", "30d"]

        /// A root of `count` finished runs (`job-0`, ...), each with a result, a kept request and an artifact.
        func prepare(durability: String, count: Int = Self.count) async throws -> TemporaryRoot {
            let root = try TemporaryRoot()
            for i in 0..<count {
                try root.drop(
                    "job-\(i).json",
                    RequestText.make(
                        id: "job-\(i)", steps: [#"{"id": "save", "provider": "artifact", "with": {"name": "out.txt", "content": "job \#(i)"}}"#]))
            }
            try await root.runOnce(clock: InstantClock(start: Self.ranAt))
            try root.write("droprun.json", #"{"durability": "\#(durability)"}"#)
            #expect(root.list("outbox/results").filter { !$0.hasPrefix(".") }.count == count)
            return root
        }

        /// What holds at every instant, killed or not: no result without its request, no artifacts folder without a request.
        func checkNothingHalfRemoved(_ root: TemporaryRoot, count: Int = Self.count) {
            for i in 0..<count {
                let id = "job-\(i)"
                let request = root.exists("outbox/requests/\(id).json")
                if root.exists("outbox/results/\(id).json") { #expect(request, "\(id): a result without its request") }
                if root.exists("artifacts/\(id)") { #expect(request, "\(id): an artifacts folder without its request") }
            }
        }

        /// After the last gc: every run gone, with one purged-ids line and one `run.purged` event; the chains verify.
        func checkAllGone(_ root: TemporaryRoot, count: Int = Self.count, _ label: String, verify: Bool = true) async throws {
            checkNothingHalfRemoved(root, count: count)
            #expect(root.list("outbox/results").filter { !$0.hasPrefix(".") }.isEmpty, "\(label)")
            #expect(root.list("outbox/requests").filter { !$0.hasPrefix(".") }.isEmpty, "\(label)")
            #expect(root.list("artifacts").filter { !$0.hasPrefix(".") }.isEmpty, "\(label)")
            #expect(root.list("outbox/purging").isEmpty, "\(label)")
            // One line and one event per run, never two.
            let said = RunTraces(root)
            #expect(said.lines.count == count && said.lines.values.allSatisfy { $0 == 1 }, "\(label): \(said.lines.filter { $0.value != 1 })")
            #expect(
                said.events.count == count && said.events.values.allSatisfy { $0 == 1 }, "\(label): \(said.events.filter { $0.value != 1 })")
            // Every chain verifies (a line is one write(2): a kill leaves none torn).
            guard verify else { return }
            let verified = try await binary(["audit", "verify"], root: root.path, workingDirectory: nil, timeout: 60)
            #expect(verified.code == 0, "\(label): \(verified.stdout)\(verified.stderr)")
        }

        /// A purged run is said purged, and its request dropped again is refused as a duplicate.
        func checkIdsRefused(_ root: TemporaryRoot) async throws {
            let status = try await binary(["status", "job-7"], root: root.path, workingDirectory: nil, timeout: 30)
            #expect(status.code == 0 && status.stdout.hasPrefix("job-7: purged"), "\(status.stdout)")
            try root.drop(
                "again.json",
                RequestText.make(id: "job-3", steps: [#"{"id": "save", "provider": "artifact", "with": {"name": "out.txt", "content": "job 3"}}"#]))
            _ = try await binary(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 60)
            let error = root.json("outbox/rejected/again.json.error.json")
            #expect(error?["reason"] == "duplicate", "\(String(describing: error))")
            #expect(!root.exists("outbox/results/job-3.json"))
        }

        @Test(arguments: ["fast", "strict"])
        func killNineAtRandomMomentsLeavesEveryRunWholeOrGone(durability: String) async throws {
            let root = try await prepare(durability: durability)
            var generator = SeededRandom.forTest("GCCrashTests.killNineAtRandomMoments(\(durability))")
            // Kills that found gc with work left (the check would be empty if gc always finished first).
            var interrupted = 0
            for _ in 0..<8 {
                let gc = try BuiltBinary.start(Self.gc, root: root.path)
                // gc removes a few hundred runs in well under 100 ms: kills come early, so each finds work left.
                try await Task.sleep(for: .milliseconds(Int.random(in: 2...60, using: &generator)))
                kill(gc.processIdentifier, SIGKILL)
                _ = try? await waitFor(gc, timeout: 30)
                checkNothingHalfRemoved(root)
                if !root.list("outbox/results").filter({ !$0.hasPrefix(".") }).isEmpty || !root.list("outbox/purging").isEmpty { interrupted += 1 }
            }
            #expect(interrupted > 0, "no kill came before gc was done")
            let final = try await binary(Self.gc, root: root.path, workingDirectory: nil, timeout: 120)
            #expect(final.code == 0, "\(final.stdout)\(final.stderr)")
            try await checkAllGone(root, "seed \(generator.seed)")
            try await checkIdsRefused(root)
        }
    }
}

/// The purged-ids lines and `run.purged` events of a root, counted per run.
struct RunTraces {
    var lines: [String: Int] = [:]
    var events: [String: Int] = [:]

    init(_ root: TemporaryRoot) {
        for line in (root.read("outbox/purged/purged.jsonl") ?? "").split(separator: "\n") {
            if let record = PurgeRecord(line: Array(line.utf8)) { lines[record.runId, default: 0] += 1 }
        }
        for event in root.auditEvents() where event["event"] == "run.purged" {
            if let id = event["runId"]?.stringValue { events[id, default: 0] += 1 }
        }
    }
}
