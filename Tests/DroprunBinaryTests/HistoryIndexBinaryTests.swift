import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

extension EndToEndTests {
    /// The history index as the built binary writes it: one line per finished run, and `reindex` gives the same runs.
    @Suite(.serialized) struct HistoryIndexBinaryTests {
        @Test func runOnceIndexesEveryFinishedRunAndReindexGivesTheSameSet() async throws {
            let root = try makeRoot()
            for n in 1...4 { try root.drop("ok-\(n).json", echoRequest(id: "ok-\(n)")) }
            try root.drop(
                "bad.json", RequestText.make(id: "bad", steps: [#"{"id": "x", "provider": "fail", "with": {"code": "nope", "message": "no"}}"#]))
            let first = try await droprun(["run", "--once"], root)
            #expect(first.code == 1, "stdout: \(first.stdout) stderr: \(first.stderr)")
            let finished = Set(root.list("outbox/results").filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) })
            #expect(finished == ["ok-1", "ok-2", "ok-3", "ok-4", "bad"])
            let written = root.indexEntries()
            #expect(written.count == 5, "one line per finished run: \(written.map(\.runId))")
            #expect(Set(written.map(\.runId)) == finished)
            #expect(written.first { $0.runId == "bad" }?.errorCode == "nope")
            #expect(root.exists("outbox/index/.built"))
            #expect(!first.stderr.contains("built the history index"), "a root without results only gets the marker")

            let reindex = try await droprun(["reindex"], root)
            #expect(reindex.code == 0, "stdout: \(reindex.stdout) stderr: \(reindex.stderr)")
            #expect(reindex.stdout.hasPrefix("indexed 5 finished runs into 1 day file (outbox/index/); 0 unreadable"))
            let rebuilt = root.indexEntries()
            #expect(rebuilt.count == 5, "the runner's file is covered by the rebuild and removed: \(root.list("outbox/index"))")
            #expect(Set(rebuilt.map(\.runId)) == finished)
            #expect(
                Dictionary(uniqueKeysWithValues: rebuilt.map { ($0.runId, $0.status) })
                    == Dictionary(uniqueKeysWithValues: written.map { ($0.runId, $0.status) }))
        }

        @Test func aRunnerBuildsAMissingIndexAtStartAndSaysSo() async throws {
            let root = try makeRoot()
            try root.drop("a.json", echoRequest(id: "a"))
            _ = try await droprun(["run", "--once"], root)
            try FileManager.default.removeItem(atPath: root.file("outbox/index"))
            try root.drop("b.json", echoRequest(id: "b"))
            let second = try await droprun(["run", "--once"], root)
            #expect(second.code == 0)
            #expect(second.stderr.contains("droprun: built the history index of 1 finished run in "), "stderr: \(second.stderr)")
            #expect(Set(root.indexEntries().map(\.runId)) == ["a", "b"])
        }
    }
}
