import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// `GarbageCollector`: what a pass removes, what it leaves, in both durabilities.
@Suite struct GarbageCollectorTests {
    typealias F = RetentionFixture

    @Test(arguments: [Durability.fast, .strict])
    func expiredRunsAreRemovedWholeAndTheirIdsKept(_ durability: Durability) async throws {
        let old = F.ids(5)
        let root = try await F.root(old, durability: durability)
        // Newer runs (finished 20 days later) stay.
        try await F.root(["new-0", "new-1"], at: F.t0.addingTimeInterval(20 * 86_400), durability: durability, into: root)
        let report = try F.gc(root, durability: durability, sliceSize: 2)
        #expect(report.purged.sorted() == old.sorted())
        #expect(report.errors.isEmpty && report.skipped.isEmpty, "\(report)")
        #expect(report.bytesFreed > 0)
        #expect(F.visible(root, "outbox/results").sorted() == ["new-0.json", "new-1.json"])
        #expect(F.visible(root, "outbox/requests").sorted() == ["new-0.json", "new-1.json"])
        #expect(F.visible(root, "artifacts").sorted() == ["new-0", "new-1"])
        #expect(F.checkWholeOrGone(root, old + ["new-0", "new-1"]).isEmpty, "\(F.checkWholeOrGone(root, old + ["new-0", "new-1"]))")
        let lines = F.purgedLines(root)
        #expect(lines.map(\.runId).sorted() == old.sorted())
        #expect(lines.allSatisfy { $0.finishedAt == F.t0 && $0.purgedAt == F.t0.addingTimeInterval(40 * 86_400) })
        // The event carries the request's sha256 and is in the gc process's own chain.
        let event = try #require(root.auditEvents().first { $0["event"] == "run.purged" })
        #expect(event["actor"] == "gchost:77")
        #expect(event["data"]?["sha256"]?.stringValue == lines.first { $0.runId == event["runId"]?.stringValue }?.sha256)
        #expect(try AuditVerifier.verifyAll(layout: root.layout, fileSystem: PosixFileSystem()).problems.isEmpty)
    }

    @Test func aDryRunSaysWhatWouldGoAndRemovesNothing() async throws {
        let root = try await F.root(F.ids(3))
        let before = F.visible(root, "outbox/results")
        let report = try F.gc(root, dryRun: true)
        #expect(report.dryRun && report.purged.sorted() == F.ids(3).sorted() && report.bytesFreed > 0)
        #expect(F.visible(root, "outbox/results") == before)
        #expect(F.visible(root, "outbox/requests").count == 3 && F.visible(root, "artifacts").count == 3)
        #expect(F.purgedLines(root).isEmpty && F.purgedEvents(root).isEmpty)
        #expect(!root.exists("outbox/gc.lock"), "a dry run takes no lock")
    }

    @Test func runsNewerThanTheCutStay() async throws {
        let root = try await F.root(F.ids(2))
        let report = try F.gc(root, days: 10, olderThanDays: 30)
        #expect(report.purged.isEmpty)
        #expect(F.visible(root, "outbox/results").count == 2)
    }

    @Test func runsARunnerHoldsAreSkippedWithTheReason() async throws {
        let root = try await F.root(["live", "claimed", "takeover", "reserved", "free"])
        // A finished run whose live record is still there (its runner is finishing it), one a claim names,
        // one a runner takes over, and one whose kept request is a dead runner's claim (the same file).
        try root.write("outbox/running/live.json", root.read("outbox/results/live.json") ?? "")
        try root.write("outbox/claimed/otherhost-1-a/claimed.json", "{}")
        try root.write("outbox/claimed/otherhost-1-a/takeover.running.json~takeover", "{}")
        try PosixFileSystem().link(root.file("outbox/requests/reserved.json"), to: root.file("outbox/claimed/otherhost-1-a/some-drop.json"))
        let report = try F.gc(root)
        #expect(report.purged == ["free"])
        let skipped = Dictionary(uniqueKeysWithValues: report.skipped.map { ($0.subject, $0.reason) })
        #expect(skipped.keys.sorted() == ["claimed", "live", "reserved", "takeover"])
        #expect(skipped["live"]?.contains("live record") == true)
        #expect(skipped["claimed"]?.contains("otherhost-1-a") == true)
        #expect(skipped["reserved"]?.contains("kept request") == true)
        let codes = Dictionary(uniqueKeysWithValues: report.skipped.map { ($0.subject, $0.code) })
        #expect(codes == ["live": "held_live_record", "claimed": "held_claimed", "takeover": "held_claimed", "reserved": "held_claimed_request"])
        #expect(report.skipped.first { $0.subject == "live" }?.kind == .held(.liveRecord(runId: "live")))
        for id in ["live", "claimed", "takeover", "reserved"] { #expect(root.exists("outbox/results/\(id).json")) }
    }

    @Test func aRunWithoutAResultIsNeverTouched() async throws {
        let root = try await F.root(["done"])
        // Queued (a kept request only) and running (a live record) runs from long ago.
        try root.write("outbox/requests/queued.json", F.request("queued"))
        try root.write("outbox/requests/running.json", F.request("running"))
        try root.write(
            "outbox/running/running.json",
            (root.read("outbox/results/done.json") ?? "").replacingOccurrences(of: "\"succeeded\"", with: "\"running\""))
        let report = try F.gc(root)
        #expect(report.purged == ["done"])
        #expect(
            root.exists("outbox/requests/queued.json") && root.exists("outbox/requests/running.json") && root.exists("outbox/running/running.json"))
    }

    @Test func theIndexIsUsedWhenItIsBuiltAndItsGoneDaysAreRemoved() async throws {
        let root = try await F.root(["a", "b", "unindexed"])
        try await F.root(["later"], at: F.t0.addingTimeInterval(35 * 86_400), into: root)
        // The index names a and b (day of t0) and later; "unindexed" has a result but no line: with .built, only the index is read.
        let fs = PosixFileSystem()
        // The runner indexed every run: its files give way to this test's index, which leaves "unindexed" out.
        for name in root.list("outbox/index") { try fs.remove(Path.join(root.layout.index, name)) }
        var day0: [UInt8] = []
        for id in ["a", "b"] {
            guard case .record(let record) = RunLocator.readRecord(root.file("outbox/results/\(id).json"), fs: fs),
                let entry = IndexEntry(record: record, audit: [])
            else { throw CocoaError(.fileReadCorruptFile) }
            day0 += entry.line
        }
        try fs.writeAtomically(root.layout.indexFile(day: IndexFiles.day(of: F.t0), writer: "testhost-4242"), day0, sync: false)
        let laterDay = IndexFiles.day(of: F.t0.addingTimeInterval(35 * 86_400))
        guard case .record(let later) = RunLocator.readRecord(root.file("outbox/results/later.json"), fs: fs),
            let laterEntry = IndexEntry(record: later, audit: [])
        else { throw CocoaError(.fileReadCorruptFile) }
        try fs.writeAtomically(root.layout.indexFile(day: laterDay, writer: "testhost-4242"), laterEntry.line, sync: false)
        try fs.writeNew(root.layout.indexBuiltMarker, [], sync: false)

        let report = try F.gc(root)
        #expect(report.purged.sorted() == ["a", "b"])
        #expect(root.exists("outbox/results/unindexed.json"), "selected from the index, which does not name it")
        // Day 0's runs are all gone: its file goes; the later day's run stays, and so does its file.
        #expect(report.indexFilesRemoved == [IndexFiles.name(day: IndexFiles.day(of: F.t0), writer: "testhost-4242")])
        #expect(F.visible(root, "outbox/index") == [IndexFiles.name(day: laterDay, writer: "testhost-4242")])
    }

    @Test func aLiveRunnersIndexFileStays() async throws {
        let root = try await F.root(["a"])
        // The runner that wrote day 0's file is alive again (its heartbeat holds): it may still append to it.
        let live = root.engine(clock: InstantClock(start: F.t0.addingTimeInterval(40 * 86_400)))
        try live.heartbeat.start(mode: "watch", startedAt: live.clock.now(), concurrency: 1)
        defer { live.heartbeat.stop() }
        let day0 = IndexFiles.name(day: IndexFiles.day(of: F.t0), writer: "testhost-4242")
        try #require(F.visible(root, "outbox/index").contains(day0))
        let report = try F.gc(root)
        #expect(report.purged == ["a"])
        #expect(report.indexFilesRemoved.isEmpty && F.visible(root, "outbox/index").contains(day0), "\(report)")
    }

    @Test func withoutTheBuiltMarkerResultsAreScanned() async throws {
        let root = try await F.root(["a", "b"])
        // An index file exists but the marker does not: the scan of outbox/results/ decides.
        try root.write("outbox/index/\(IndexFiles.name(day: "2025-12-31", writer: "w"))", "")
        let report = try F.gc(root)
        #expect(report.purged.sorted() == ["a", "b"])
    }

    @Test func theLockRefusesASecondGC() async throws {
        let root = try await F.root(["a"])
        let held = try GCLock.acquire(layout: root.layout, identity: RunnerIdentity(host: "elsewhere", pid: 9))
        #expect(throws: GCLock.Refusal.self) { try F.gc(root) }
        #expect(root.exists("outbox/results/a.json"))
        held.release()
        #expect(try F.gc(root).purged == ["a"])
    }

    @Test func theLockFileNamesItsHolder() throws {
        let root = try TemporaryRoot()
        let lock = try GCLock.acquire(layout: root.layout, identity: RunnerIdentity(host: "h", pid: 12))
        defer { lock.release() }
        #expect(root.read("outbox/gc.lock") == "h:12\n")
        do {
            _ = try GCLock.acquire(layout: root.layout, identity: RunnerIdentity(host: "other", pid: 13))
            Issue.record("a second lock was given")
        } catch {
            #expect(error == .held(by: "other:13 in this process"))
            #expect(error.description.contains("another gc is working on this root"))
        }
    }

    @Test(arguments: [Durability.fast, .strict])
    func archiveMovesTheRunUnderItsDay(_ durability: Durability) async throws {
        let root = try await F.root(["a", "b"], durability: durability)
        let archive = try TemporaryRoot(initialized: false)
        let report = try F.gc(root, durability: durability, archive: archive.path)
        #expect(report.purged.sorted() == ["a", "b"] && report.errors.isEmpty)
        let day = IndexFiles.day(of: F.t0)
        for id in ["a", "b"] {
            #expect(archive.json("\(day)/\(id)/result.json")?["runId"]?.stringValue == id)
            #expect(archive.exists("\(day)/\(id)/request.json"))
            #expect(archive.read("\(day)/\(id)/artifacts/out.txt") == "run \(id)")
            // gc's own notes stay out of the archive.
            #expect(!archive.exists("\(day)/\(id)/purge.json") && !archive.exists("\(day)/\(id)/.logged"))
        }
        #expect(F.checkWholeOrGone(root, ["a", "b"]).isEmpty)
        let event = try #require(root.auditEvents().first { $0["event"] == "run.purged" && $0["runId"] == "a" })
        #expect(event["data"]?["archivedTo"]?.stringValue == Path.join(archive.path, day, "a"))
    }

    @Test(arguments: [Durability.fast, .strict])
    func archiveOnAnotherFileSystemCopiesFlushesThenRemoves(_ durability: Durability) async throws {
        let root = try await F.root(["a", "b"], durability: durability)
        let archive = try TemporaryRoot(initialized: false)
        // The rename of each purging folder into the archive fails as across file systems.
        let fs = FaultyFileSystem([
            .init("rename", pathContains: "purging/a -> ", code: EXDEV), .init("rename", pathContains: "purging/b -> ", code: EXDEV),
        ])
        let report = try F.gc(root, durability: durability, archive: archive.path, fileSystem: fs)
        #expect(report.purged.sorted() == ["a", "b"] && report.errors.isEmpty, "\(report)")
        let day = IndexFiles.day(of: F.t0)
        for id in ["a", "b"] {
            #expect(archive.json("\(day)/\(id)/result.json")?["runId"]?.stringValue == id)
            #expect(archive.read("\(day)/\(id)/artifacts/out.txt") == "run \(id)")
            #expect(!archive.exists("\(day)/.\(id).partial"))
            #expect(!archive.exists("\(day)/\(id)/purge.json") && !archive.exists("\(day)/\(id)/.logged"))
        }
        // Each copied file was written flushed, and the original folder removed.
        #expect(fs.operations.contains { $0.hasPrefix("writeNew ") && $0.contains("/.a.partial/result.json") })
        #expect(fs.operations.contains { $0.hasPrefix("syncDirectory ") && $0.hasSuffix("/.a.partial") })
        #expect(F.visible(root, "outbox/purging").isEmpty)
        #expect(F.checkWholeOrGone(root, ["a", "b"]).isEmpty)
    }

    @Test func rejectedFilesGoByTheirOwnAge() throws {
        let root = try TemporaryRoot()
        let old = Timestamp.format(F.t0)
        let recent = Timestamp.format(F.t0.addingTimeInterval(39 * 86_400))
        try root.write("outbox/rejected/old.json", "{")
        try root.write("outbox/rejected/old.json.error.json", #"{"file": "old.json", "reason": "invalid_json", "rejectedAt": "\#(old)"}"#)
        try root.write("outbox/rejected/new.json", "{")
        try root.write("outbox/rejected/new.json.error.json", #"{"file": "new.json", "reason": "invalid_json", "rejectedAt": "\#(recent)"}"#)
        // Without its explanation: by the file's own time.
        try root.write("outbox/rejected/orphan.json", "{")
        try PosixFileSystem().setModified(root.file("outbox/rejected/orphan.json"), to: F.t0)
        let report = try F.gc(root)
        #expect(report.rejectedRemoved.sorted() == ["old.json", "orphan.json"])
        #expect(F.visible(root, "outbox/rejected").sorted() == ["new.json", "new.json.error.json"])
    }

    @Test func appliedControlFilesGoUnlessTheirRunIsLive() async throws {
        let root = try await F.root(["done"])
        try root.write("outbox/control/done.cancel.json", #"{"kind": "cancel", "runId": "done"}"#)
        try root.write("outbox/control/waiting.approval.json", #"{"kind": "approval", "runId": "waiting", "decision": "approve"}"#)
        try root.write("outbox/control/fresh.cancel.json", #"{"kind": "cancel", "runId": "gone"}"#)
        try root.write("outbox/running/waiting.json", "{}")
        let fs = PosixFileSystem()
        for name in ["done.cancel.json", "waiting.approval.json"] { try fs.setModified(root.file("outbox/control/" + name), to: F.t0) }
        try fs.setModified(root.file("outbox/control/fresh.cancel.json"), to: F.t0.addingTimeInterval(39 * 86_400))
        let report = try F.gc(root)
        #expect(report.controlRemoved == ["done.cancel.json"])
        #expect(F.visible(root, "outbox/control").sorted() == ["fresh.cancel.json", "waiting.approval.json"])
    }

    @Test func aFailedRemovalIsNamedAndTheRunFinishedByTheNextGC() async throws {
        let root = try await F.root(["a"])
        let fs = FaultyFileSystem([.init("remove", pathContains: "requests/a.json", code: EACCES, times: 1)])
        let report = try F.gc(root, fileSystem: fs)
        #expect(report.errors.map(\.subject) == ["outbox/requests/a.json"], "\(report)")
        #expect(root.exists("outbox/purging/a~logged.json") && root.exists("outbox/requests/a.json"))
        #expect(report.purged.isEmpty)
        let next = try F.gc(root)
        #expect(next.purged == ["a"] && next.leftoversFinished == 1)
        #expect(F.checkWholeOrGone(root, ["a"]).isEmpty)
    }

    /// A slice's renames and unlinks are shared among gc's threads; while a runner holds claims (it is busy), gc keeps
    /// to one thread.
    @Test func aSliceIsSharedAmongThreadsUnlessARunnerIsBusy() async throws {
        for busy in [false, true] {
            let ids = F.ids(40)
            let root = try await F.root(ids)
            if busy { try root.write("outbox/claimed/otherhost-1-a/other.json", "{}") }
            let fs = FaultyFileSystem()
            let report = try F.gc(root, fileSystem: fs)
            #expect(report.purged == ids.sorted())
            #expect(F.checkWholeOrGone(root, ids).isEmpty)
            let helpers = Set(fs.operationThreads.filter { $0.hasPrefix("droprun-gc-") })
            #expect(busy ? helpers.isEmpty : !helpers.isEmpty, "busy \(busy): \(helpers)")
        }
    }
}
