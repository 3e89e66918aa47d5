import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// What a first trial of retention found: retry and purged ids, archives inside the root, `dedupeDays` alone, status
/// past `dedupeDays`, leftovers read once, unreadable results named, rejected and control files archived, messages.
@Suite struct GCTrialFixTests {
    typealias F = RetentionFixture

    func cli(_ root: TemporaryRoot, _ args: [String], days: Double = 40) async -> CLIResult {
        await CLITester(root: root.path, clock: InstantClock(start: F.t0.addingTimeInterval(days * 86_400))).run(args)
    }

    @Test func retrySkipsAnIdGCPurged() async throws {
        let root = try await F.root(["y.r1"])
        try await F.root(["y"], at: F.t0.addingTimeInterval(35 * 86_400), into: root)
        let gc = await cli(root, ["gc", "--older-than", "30d"])
        #expect(gc.code == .success && F.purgedLines(root).map(\.runId) == ["y.r1"], "\(gc)")
        let retry = await cli(root, ["retry", "y"])
        #expect(retry.code == .success && retry.stdout == "y.r2\n", "\(retry)")
        #expect(!root.exists("outbox/requests/y.r1.json") && root.exists("outbox/requests/y.r2.json"))
    }

    @Test func retryReusesAPurgedIdPastDedupeDays() async throws {
        let root = try await F.root(["y.r1"])
        try await F.root(["y"], at: F.t0.addingTimeInterval(35 * 86_400), into: root)
        #expect(await cli(root, ["gc", "--older-than", "30d"]).code == .success)
        try root.write("droprun.json", #"{"retention": {"dedupeDays": 10}}"#)
        let retry = await cli(root, ["retry", "y"])
        #expect(retry.code == .success && retry.stdout == "y.r1\n", "\(retry)")
    }

    @Test(arguments: ["artifacts/zz", "inbox/a", ".", "./outbox/../outbox/foo", "outbox", "sub/../new"])
    func anArchiveInsideTheRootIsRefused(dir: String) async throws {
        let root = try await F.root(["a"])
        let result = await cli(root, ["gc", "--older-than", "30d", "--archive", dir])
        #expect(result.code == .usage && result.stderr.contains("is inside the root"), "\(dir): \(result.stderr)")
        #expect(root.exists("outbox/results/a.json"))
    }

    @Test func anArchiveThroughALinkIntoTheRootIsRefused() async throws {
        let root = try await F.root(["a"])
        let elsewhere = try TemporaryRoot()
        let link = Path.join(elsewhere.path, "link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: Path.join(root.path, "outbox"))
        for dir in [link, Path.join(link, "new/deeper")] {
            let result = await cli(root, ["gc", "--older-than", "30d", "--archive", dir])
            #expect(result.code == .usage && result.stderr.contains("is inside the root"), "\(dir): \(result.stderr)")
        }
    }

    @Test func theArchiveIsRecordedResolvedWithoutGCsNotes() async throws {
        let root = try await F.root(["a"])
        let elsewhere = try TemporaryRoot()
        let real = Path.join(elsewhere.path, "real")
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        let link = Path.join(elsewhere.path, "link")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let dry = await cli(root, ["gc", "--older-than", "30d", "--archive", link, "--dry-run", "--json"])
        let result = await cli(root, ["gc", "--older-than", "30d", "--archive", link, "--json"])
        #expect(result.code == .success, "\(result)")
        let resolved = ArchivePath.resolve(real)
        let target = Path.join(resolved, "2026-01-01/a")
        #expect(F.purgedLines(root).first?.archivedTo == target)
        let json = try RecordReader.parse(Array(result.stdout.utf8))
        #expect(json["archive"]?.stringValue == resolved)
        #expect(try RecordReader.parse(Array(dry.stdout.utf8))["bytesFreed"] == json["bytesFreed"], "\(dry.stdout) \(result.stdout)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
        #expect(!names.contains("purge.json") && !names.contains(".logged") && names.contains("result.json"), "\(names)")
        // Where it went is said by status, artifacts and retry.
        #expect(await cli(root, ["status", "a"]).stdout.contains("archived to \(target)"))
        #expect(await cli(root, ["artifacts", "a"]).stderr.contains("archived to \(target)"))
        #expect(await cli(root, ["retry", "a"]).stderr.contains("archived to \(target)"))
    }

    @Test func aDryRunArchiveSaysWouldArchive() async throws {
        let root = try await F.root(["a"])
        let elsewhere = try TemporaryRoot()
        let result = await cli(root, ["gc", "--older-than", "30d", "--archive", Path.join(elsewhere.path, "arch"), "--dry-run"])
        #expect(result.stdout.contains("would archive run a\n") && result.stdout.contains("gc: would archive 1 run"), "\(result.stdout)")
    }

    @Test func dedupeDaysAloneCompactsThePurgedIds() async throws {
        let root = try await F.root(["a"])
        #expect(await cli(root, ["gc", "--older-than", "30d"]).code == .success)
        try root.write("droprun.json", #"{"retention": {"dedupeDays": 10}}"#)
        let result = await cli(root, ["gc", "--json"])
        #expect(result.code == .success, "\(result)")
        #expect(try RecordReader.parse(Array(result.stdout.utf8))["dedupeDropped"] == 1, "\(result.stdout)")
        #expect(F.purgedLines(root).isEmpty)
    }

    @Test func statusSaysAnIdPastDedupeDaysIsFree() async throws {
        let root = try await F.root(["a"])
        #expect(await cli(root, ["gc", "--older-than", "30d"]).code == .success)
        #expect(await cli(root, ["status", "a"]).stdout.contains("its id stays refused"))
        try root.write("droprun.json", #"{"retention": {"dedupeDays": 10}}"#)
        let status = await cli(root, ["status", "a"])
        #expect(status.code == .success && status.stdout.contains("its id is free again") && !status.stdout.contains("stays refused"), "\(status)")
        let json = try RecordReader.parse(Array(await cli(root, ["status", "a", "--json"]).stdout.utf8))
        #expect(json["idRefused"] == false)
    }

    @Test func leftoversAreLookedUpInOnePass() async throws {
        let ids = F.ids(5)
        let root = try await F.root(ids, durability: .strict)
        // Killed after the lines and events of the slice, before any is marked logged (`~result.json` renamed `~logged.json`).
        let killed = FaultyFileSystem([.kills(before: "rename", pathContains: "purging/job-0~result.json ->")])
        _ = try F.gc(root, durability: .strict, fileSystem: killed, sliceSize: 5)
        let fs = FaultyFileSystem()
        let next = try F.gc(root, durability: .strict, fileSystem: fs)
        #expect(next.leftoversFinished == 5 && next.errors.isEmpty, "\(next)")
        #expect(F.purgedLines(root).count == 5 && F.purgedEvents(root) == Dictionary(uniqueKeysWithValues: ids.map { ($0, 1) }))
        let reads = fs.operations.filter { $0.hasPrefix("read ") }
        #expect(reads.filter { $0.hasSuffix("purged.jsonl") }.count <= 1, "\(reads)")
        let auditReads = reads.filter { $0.contains("outbox/audit/") }
        #expect(auditReads.count == Set(auditReads).count, "each audit segment read once: \(auditReads)")
    }

    @Test func anUnreadableResultIsNamedAsSkipped() async throws {
        let root = try await F.root(["a", "b"])
        try root.write("outbox/results/a.json", "not json")
        // Without the history index, the results are read to select (with it, a run's index line says when it finished).
        try PosixFileSystem().remove(root.layout.indexBuiltMarker)
        let text = await cli(root, ["gc", "--older-than", "30d"])
        #expect(text.stdout.contains("skipped a: the record cannot be read: ") && text.stdout.contains("; not removed"), "\(text.stdout)")
        let json = try RecordReader.parse(Array(await cli(root, ["gc", "--older-than", "30d", "--json"]).stdout.utf8))
        #expect(json["skipped"]?[0]?["subject"] == "a", "\(json)")
    }

    @Test func rejectedFilesAreArchivedToo() async throws {
        let root = try TemporaryRoot()
        try root.drop("bad.json", "not json")
        try await root.runOnce(clock: InstantClock(start: F.t0), configuration: F.configuration(.fast))
        let rejected = F.visible(root, "outbox/rejected")
        #expect(!rejected.isEmpty)
        let elsewhere = try TemporaryRoot()
        let archive = Path.join(elsewhere.path, "arch")
        let result = await cli(root, ["gc", "--older-than", "30d", "--archive", archive])
        #expect(result.code == .success && result.stdout.contains("archived 0 runs"), "\(result)")
        #expect(F.visible(root, "outbox/rejected").isEmpty)
        let kept = (try? FileManager.default.contentsOfDirectory(atPath: Path.join(ArchivePath.resolve(archive), "2026-01-01/rejected"))) ?? []
        #expect(Set(kept) == Set(rejected), "\(kept)")
    }

    @Test func onlyRejectedDaysSaysNothingOfRuns() async throws {
        let root = try TemporaryRoot()
        try root.drop("bad.json", "not json")
        try await root.runOnce(clock: InstantClock(start: F.t0), configuration: F.configuration(.fast))
        try root.write("droprun.json", #"{"retention": {"rejectedDays": 7}}"#)
        let result = await cli(root, ["gc"])
        #expect(result.stdout.hasPrefix("gc: removed 1 rejected file") && !result.stdout.contains("0 runs"), "\(result.stdout)")
    }

    @Test func leftoversAreSaidAsPartOfTheRuns() {
        var report = GCReport()
        report.purged = ["a", "b"]
        report.leftoversFinished = 1
        #expect(report.summary(runsAge: 86_400) == "removed 2 runs older than 1d (0 B; 1 of them begun by an earlier gc)")
    }

    @Test(arguments: ["0s", "0", "30s"])
    func olderThanBelowAMinuteSaysTheMinimum(text: String) async throws {
        let root = try TemporaryRoot()
        let result = await cli(root, ["gc", "--older-than", text])
        #expect(result.code == .usage && result.stderr.contains("at least one minute"), "\(result.stderr)")
    }

    @Test func theRetentionRangeIsSaidInMinutesAndDays() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"retention": {"runsDays": 0}}"#)
        let result = await cli(root, ["gc"])
        #expect(result.code == .usage && result.stderr.contains("from one minute (0.000694 days) to 36500 days"), "\(result.stderr)")
    }
}
