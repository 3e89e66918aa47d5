import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A `gc` killed mid-append leaves `outbox/purged/purged.jsonl` ending in a cut line: the next gc ends it before its
/// own lines, and lookups read a line glued to such a fragment by its last record.
@Suite struct TornPurgedIDsTests {
    typealias F = RetentionFixture
    static let fragment = #"{"finishedAt":"2026-12-02T06:29:54.034Z","purg"#

    @Test func gcAfterAFragmentEndsItAndThePurgedIdIsRefused() async throws {
        let root = try await F.root(["a"])
        try root.write("outbox/purged/purged.jsonl", Self.fragment)
        let report = try F.gc(root)
        #expect(report.purged == ["a"])
        let text = try #require(root.read("outbox/purged/purged.jsonl"))
        #expect(text.hasPrefix(Self.fragment + "\n{"), "\(text)")
        #expect(F.purgedLines(root).map(\.runId) == ["a"])
        // Dropped again: refused as a duplicate.
        try root.drop("again.json", F.request("a"))
        let context = F.engine(root, days: 41)
        defer { context.audit.close() }
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.rejected == 1)
        #expect(root.json("outbox/rejected/again.json.error.json")?["reason"] == "duplicate")
        #expect(!root.exists("outbox/results/a.json"))
    }

    @Test func aGluedLineReadsAsItsLastRecord() throws {
        let root = try TemporaryRoot()
        let at = F.t0
        let record = PurgeRecord(runId: "b", finishedAt: at, purgedAt: at, sha256: "ab")
        // As an older gc wrote it: its line glued onto the fragment, and a fragment that had the id's key already.
        let glued = Array(Self.fragment.utf8) + record.line
        let gluedAfterKey = Array(#"{"finishedAt":"2026-12-02T06:29:54.034Z","purgedAt":"2026-12-02T06:29:54.034Z","runId":"zz"#.utf8) + record.line
        #expect(PurgeRecord(line: glued.dropLast()) == record)
        #expect(PurgeRecord.runId(inLine: gluedAfterKey.dropLast()[...]) == "b")
        #expect(PurgeRecord(line: gluedAfterKey.dropLast()) == record)
        try root.write("outbox/purged/purged.jsonl", String(decoding: glued + gluedAfterKey, as: UTF8.self))
        let ids = PurgedIDs(layout: root.layout, fileSystem: PosixFileSystem())
        #expect(ids.lookup("b") == record)
        #expect(ids.lookup("zz") == nil)
    }
}
