import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// An id purged, then admitted again past `dedupeDays`: the earlier run's index line is still in its day file, and gc
/// must not take it for the new run.
@Suite struct ReadmittedIdGCTests {
    typealias F = RetentionFixture

    /// `a` ran at t0, was purged at day 40, ran again at day 40 (past `dedupeDays` 35); gc at day 41 (runs older than 30
    /// days) selects the old line from the index and must leave the new run alone.
    @Test(arguments: [false, true])
    func anEarlierRunsIndexLineDoesNotRemoveTheNewRun(_ archiving: Bool) async throws {
        let root = try await F.root(["a", "keep"])
        // A run of the same day that a runner holds keeps the old day file (and `a`'s old line in it).
        try root.write("outbox/claimed/otherhost-1-a/keep.json", "{}")
        _ = try F.gc(root)
        #expect(!root.exists("outbox/results/a.json"))
        try root.drop("again.json", F.request("a"))
        let again = F.engine(root, days: 40, retention: RetentionSettings(dedupeDays: 35))
        let summary = try await Runner(context: again).runOnce()
        again.audit.close()
        #expect(summary.count(.succeeded) == 1)
        // Selection from the index (its marker), which holds both runs' lines.
        if !root.exists("outbox/index/.built") { try PosixFileSystem().writeNew(root.layout.indexBuiltMarker, [], sync: false) }

        let archive = try TemporaryRoot()
        let report = try F.gc(root, days: 41, archive: archiving ? archive.path : nil)
        #expect(root.exists("outbox/results/a.json") && root.exists("outbox/requests/a.json") && root.exists("artifacts/a"))
        #expect(!report.purged.contains("a"), "\(report.purged)")
        let skipped = try #require(report.skipped.first { $0.subject == "a" })
        #expect(skipped.kind.code == "another_run_result")
        #expect(skipped.kind.description.contains("finished 2026-02-10T00:00:00.000Z"), "\(skipped.kind)")
        #expect(skipped.kind.description.contains("(finished 2026-01-01T00:00:00.000Z)"), "\(skipped.kind)")
        #expect(F.visible(root, "outbox/purging").isEmpty)
        // Once the new run is past the cut itself, its own line selects it.
        let later = try F.gc(root, days: 71, archive: archiving ? archive.path : nil)
        #expect(later.purged == ["a"], "\(later)")
        #expect(!root.exists("outbox/results/a.json") && !root.exists("outbox/requests/a.json"))
    }
}
