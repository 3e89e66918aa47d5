import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The purge protocol killed at each of its steps (every operation after the kill fails, as after a `kill -9`), then a
/// new gc: nothing half-removed, exactly one purged-ids line and one `run.purged` event per gone run.
@Suite struct PurgeProtocolCrashTests {
    typealias F = RetentionFixture

    /// Where to die: the operation and a part of its path, for the first run of the slice (`job-0`).
    static let moments: [(String, String)] = [
        ("rename", "results/job-0.json ->"),
        ("syncDirectory", "outbox/results"),
        ("append", "purged.jsonl"),
        ("sync", "purged.jsonl"),
        ("append", "gchost-77"),
        ("sync", "gchost-77"),
        ("rename", "purging/job-0~result.json ->"),
        ("remove", "artifacts/job-0/out.txt"),
        ("removeDirectory", "artifacts/job-0"),
        ("syncDirectory", "artifacts"),
        ("remove", "requests/job-0.json"),
        ("syncDirectory", "outbox/requests"),
        ("remove", "purging/job-0~logged.json"),
    ]

    static let cases: [(Durability, Int)] = [Durability.fast, .strict].flatMap { d in moments.indices.map { (d, $0) } }

    @Test(arguments: cases)
    func aKillAtEachStepIsFinishedByTheNextGC(durability: Durability, moment: Int) async throws {
        let (operation, path) = Self.moments[moment]
        let ids = F.ids(3)
        let root = try await F.root(ids, durability: durability)
        let fs = FaultyFileSystem([.kills(before: operation, pathContains: path)])
        _ = try F.gc(root, durability: durability, fileSystem: fs, sliceSize: 3)
        // Fast durability makes no flush: those moments never come.
        guard fs.isDead else {
            #expect(durability == .fast && (operation == "sync" || operation == "syncDirectory"), "\(operation) \(path) never happened")
            return
        }
        // What the kill left: every run whole, or committed and in outbox/purging/.
        for id in ids where !root.exists("outbox/results/\(id).json") {
            let purging = ["outbox/purging/\(id)", "outbox/purging/\(id)~result.json", "outbox/purging/\(id)~logged.json"]
            #expect(purging.contains(where: root.exists) || !root.exists("outbox/requests/\(id).json"), "\(id) half-removed")
        }
        let next = try F.gc(root, durability: durability)
        #expect(next.errors.isEmpty, "\(next.errors)")
        #expect(F.checkWholeOrGone(root, ids).isEmpty, "\(operation) \(path): \(F.checkWholeOrGone(root, ids))")
        #expect(ids.allSatisfy { !root.exists("outbox/results/\($0).json") }, "the second gc removed every expired run")
        #expect(try AuditVerifier.verifyAll(layout: root.layout, fileSystem: PosixFileSystem()).problems.isEmpty)
    }

    /// With `--archive`, the run's files are moved into its purging folder (the manifest names the archive), which is
    /// then moved to the archive whole.
    static let archiveMoments: [(String, String)] = [
        ("makeDirectory", "purging/job-0"),
        ("writeAtomically", "purging/job-0/purge.json"),
        ("rename", "results/job-0.json ->"),
        ("append", "purged.jsonl"),
        ("append", "gchost-77"),
        ("writeNew", "purging/job-0/.logged"),
        ("rename", "artifacts/job-0 ->"),
        ("rename", "requests/job-0~workflow.json ->"),
        ("rename", "requests/job-0.json ->"),
        ("rename", "purging/job-0 ->"),
    ]

    @Test(arguments: [Durability.fast, .strict].flatMap { d in archiveMoments.indices.map { (d, $0) } })
    func aKillWhileArchivingIsFinishedByTheNextGC(durability: Durability, moment: Int) async throws {
        let (operation, path) = Self.archiveMoments[moment]
        let ids = F.ids(3)
        let root = try await F.root(ids, durability: durability)
        let archive = try TemporaryRoot(initialized: false)
        let fs = FaultyFileSystem([.kills(before: operation, pathContains: path)])
        _ = try F.gc(root, durability: durability, archive: archive.path, fileSystem: fs, sliceSize: 3)
        #expect(fs.isDead, "\(operation) \(path) never happened")
        let next = try F.gc(root, durability: durability, archive: archive.path)
        #expect(next.errors.isEmpty, "\(next.errors)")
        #expect(F.checkWholeOrGone(root, ids).isEmpty, "\(operation) \(path): \(F.checkWholeOrGone(root, ids))")
        let day = IndexFiles.day(of: F.t0)
        #expect(ids.allSatisfy { archive.exists("\(day)/\($0)/result.json") && archive.exists("\(day)/\($0)/request.json") })
    }

    @Test func aFolderLeftBeforeTheCommitPointIsRolledBackAndTheRunIsWhole() async throws {
        let root = try await F.root(["a"])
        try root.write("outbox/purging/a/purge.json", "{}")
        let context = F.engine(root)
        defer { context.audit.close() }
        // Only the leftovers (no cut): the run stays whole and gc's note goes.
        let report = try GarbageCollector(context: context, options: GCOptions()).run()
        #expect(report.purged.isEmpty && report.errors.isEmpty)
        #expect(!root.exists("outbox/purging/a") && root.exists("outbox/results/a.json") && root.exists("outbox/requests/a.json"))
    }

    @Test func aLeftoverWithoutLoggedIsNotLoggedTwice() async throws {
        let root = try await F.root(["a"])
        // Killed after the line and the event, before the result is renamed logged.
        let fs = FaultyFileSystem([.kills(before: "rename", pathContains: "purging/a~result.json ->")])
        _ = try F.gc(root, fileSystem: fs)
        #expect(F.purgedLines(root).count == 1 && F.purgedEvents(root) == ["a": 1])
        let next = try F.gc(root)
        #expect(next.leftoversFinished == 1 && next.purged == ["a"])
        #expect(F.purgedLines(root).count == 1 && F.purgedEvents(root) == ["a": 1])
    }
}
