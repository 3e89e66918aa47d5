import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Strict durability: a folder flush that fails stops the slice at that step (nothing after it is removed), leaves
/// its runs in `outbox/purging/`, says so, and the next gc finishes them.
@Suite struct GCFlushFailureTests {
    typealias F = RetentionFixture

    @Test(arguments: ["outbox/results", "artifacts", "outbox/requests"])
    func aFailedFlushStopsTheSlice(_ folder: String) async throws {
        let ids = F.ids(3)
        let root = try await F.root(ids, durability: .strict)
        let fs = FaultyFileSystem([.init("syncDirectory", pathContains: root.path + "/" + folder, times: 1)])
        let report = try F.gc(root, durability: .strict, fileSystem: fs)
        #expect(report.purged.isEmpty, "\(report.purged)")
        let error = try #require(report.errors.first)
        #expect(error.kind.code == "flush_failed" && error.subject == folder, "\(report.errors)")
        #expect(error.kind.description.contains("left in outbox/purging/ for the next gc"))
        #expect(F.visible(root, "outbox/purging").count == 3, "\(F.visible(root, "outbox/purging"))")
        for id in ids {
            // Nothing past the failed flush was removed.
            if folder == "outbox/results" { #expect(root.exists("artifacts/\(id)")) }
            if folder != "outbox/requests" { #expect(root.exists("outbox/requests/\(id).json")) }
        }
        let next = try F.gc(root, days: 41, durability: .strict)
        #expect(next.errors.isEmpty && next.leftoversFinished == 3, "\(next)")
        #expect(F.checkWholeOrGone(root, ids).isEmpty, "\(F.checkWholeOrGone(root, ids))")
    }

    @Test func aFailedFlushStopsAnArchivingSlice() async throws {
        let ids = F.ids(2)
        let root = try await F.root(ids, durability: .strict)
        let archive = try TemporaryRoot()
        let fs = FaultyFileSystem([.init("syncDirectory", pathContains: root.path + "/artifacts", times: 1)])
        let report = try F.gc(root, durability: .strict, archive: archive.path, fileSystem: fs)
        #expect(report.purged.isEmpty && report.errors.first?.kind.code == "flush_failed", "\(report)")
        #expect(F.visible(root, "outbox/purging").count == 2)
        let next = try F.gc(root, days: 41, durability: .strict, archive: archive.path)
        #expect(next.leftoversFinished == 2 && next.errors.isEmpty, "\(next)")
        #expect(F.checkWholeOrGone(root, ids).isEmpty)
    }
}
