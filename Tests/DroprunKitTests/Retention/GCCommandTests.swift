import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun gc` on the command line, and what `status` and `show` say of a run it removed or is removing.
@Suite struct GCCommandTests {
    typealias F = RetentionFixture

    func gc(_ root: TemporaryRoot, _ args: [String], days: Double = 40) async -> CLIResult {
        await CLITester(root: root.path, clock: InstantClock(start: F.t0.addingTimeInterval(days * 86_400))).run(["gc"] + args)
    }

    @Test func withoutACutItIsAUsageError() async throws {
        let root = try await F.root(["a"])
        let result = await gc(root, [])
        #expect(result.code == .usage)
        #expect(
            result.stderr.contains("pass --older-than DURATION") && result.stderr.contains("set \"retention\" in droprun.json"), "\(result.stderr)")
    }

    @Test func aBadDurationIsAUsageError() async throws {
        let root = try TemporaryRoot()
        let result = await gc(root, ["--older-than", "30"])
        #expect(result.code == .usage && result.stderr.contains("expected a duration of at least one minute"), "\(result.stderr)")
    }

    @Test func anArchiveInsideTheOutboxIsRefused() async throws {
        let root = try TemporaryRoot()
        let result = await gc(root, ["--older-than", "30d", "--archive", "outbox/old"])
        #expect(result.code == .usage && result.stderr.contains("is inside the root"), "\(result.stderr)")
    }

    @Test func itSaysWhatItRemovedInOneLine() async throws {
        let root = try await F.root(["a", "b"])
        let result = await gc(root, ["--older-than", "30d"])
        #expect(result.code == .success, "\(result)")
        #expect(result.stdout.hasPrefix("gc: removed 2 runs older than 30d ("), "\(result.stdout)")
        #expect(result.stdout.split(separator: "\n").count == 1)
    }

    @Test func theRetentionBlockGivesTheCuts() async throws {
        let root = try await F.root(["a"])
        try root.write("droprun.json", #"{"retention": {"runsDays": 30}}"#)
        let result = await gc(root, ["--json"])
        #expect(result.code == .success)
        let json = try RecordReader.parse(Array(result.stdout.utf8))
        #expect(json["purged"] == ["a"] && json["olderThan"] == "30d" && json["purgedCount"] == 1, "\(result.stdout)")
    }

    @Test func aDryRunListsAndRemovesNothing() async throws {
        let root = try await F.root(["a"])
        let result = await gc(root, ["--older-than", "30d", "--dry-run"])
        #expect(result.code == .success)
        #expect(result.stdout.contains("would remove run a\n") && result.stdout.contains("nothing was removed (--dry-run)"), "\(result.stdout)")
        #expect(root.exists("outbox/results/a.json"))
    }

    @Test func anotherGCHoldingTheLockIsExitOne() async throws {
        let root = try await F.root(["a"])
        let lock = try GCLock.acquire(layout: root.layout, identity: RunnerIdentity(host: "other", pid: 5))
        defer { lock.release() }
        let result = await gc(root, ["--older-than", "30d"])
        #expect(result.code == .failure)
        #expect(result.stderr.contains("another gc is working on this root"), "\(result.stderr)")
    }

    @Test func somethingThatCannotBeRemovedIsNamedAndExitOne() async throws {
        let root = try await F.root(["a"])
        let fs = FaultyFileSystem([.init("rename", pathContains: "results/a.json ->", code: EACCES)])
        let result = await CLITester(root: root.path, clock: InstantClock(start: F.t0.addingTimeInterval(40 * 86_400))).run(
            ["gc", "--older-than", "30d"], fileSystem: fs)
        #expect(result.code == .failure)
        #expect(result.stdout.contains("error   a: cannot begin to remove it"), "\(result.stdout)")
        #expect(root.exists("outbox/results/a.json") && root.exists("outbox/requests/a.json"))
    }

    @Test func eachErrorInJSONHasItsCode() async throws {
        let root = try await F.root(["a"])
        let fs = FaultyFileSystem([.init("rename", pathContains: "results/a.json ->", code: EACCES)])
        let result = await CLITester(root: root.path, clock: InstantClock(start: F.t0.addingTimeInterval(40 * 86_400))).run(
            ["gc", "--older-than", "30d", "--json"], fileSystem: fs)
        #expect(result.code == .failure)
        let json = try RecordReader.parse(Array(result.stdout.utf8))
        let error = try #require(json["errors"]?.arrayValue?.first)
        #expect(error["subject"] == "a" && error["code"] == "begin_failed", "\(result.stdout)")
        #expect(error["reason"]?.stringValue?.hasPrefix("cannot begin to remove it: ") == true)
    }

    @Test func aPurgedRunIsSaidByStatusAndShow() async throws {
        let root = try await F.root(["a"])
        _ = await gc(root, ["--older-than", "30d"])
        let tester = CLITester(root: root.path)
        let status = await tester.run(["status", "a"])
        #expect(status.code == .success)
        #expect(
            status.stdout.hasPrefix("a: purged - finished 2026-01-01T00:00:00.000Z, removed by gc 2026-02-10T00:00:00.000Z"), "\(status.stdout)")
        let json = try RecordReader.parse(Array(await tester.run(["status", "a", "--json"]).stdout.utf8))
        #expect(json["status"] == "purged" && json["runId"] == "a" && json["purgedAt"] == "2026-02-10T00:00:00.000Z")
        let show = await tester.run(["show", "a"])
        #expect(show.code == .success && show.stdout.contains("run       a: purged"), "\(show.stdout)")
        let showJSON = try RecordReader.parse(Array(await tester.run(["show", "a", "--json"]).stdout.utf8))
        #expect(showJSON["status"] == "purged")
        // Acting on it says it is gone.
        let retry = await tester.run(["retry", "a"])
        #expect(retry.code == .failure && retry.stderr.contains("was removed by gc"), "\(retry.stderr)")
        let artifacts = await tester.run(["artifacts", "a"])
        #expect(artifacts.code == .failure && artifacts.stderr.contains("was removed by gc"))
    }

    @Test func gcLowersItsOwnPriorityAndReadingCommandsDoNot() async throws {
        let root = try await F.root(["a"])
        let lowered = CapturedOutput()
        var tester = CLITester(root: root.path, clock: InstantClock(start: F.t0.addingTimeInterval(40 * 86_400)))
        tester.lowerPriority = { lowered.line("lowered") }
        _ = await tester.run(["status", "a"])
        #expect(lowered.contents.isEmpty)
        let result = await tester.run(["gc", "--older-than", "30d"])
        #expect(result.code == .success, "\(result.stderr)")
        #expect(lowered.contents == "lowered\n")
    }

    @Test func aRunBeingPurgedIsSaidPurgingNotQueued() async throws {
        let root = try await F.root(["a"])
        // Killed right after the commit point: the result is in outbox/purging/, the request still kept.
        let fs = FaultyFileSystem([.kills(before: "append", pathContains: "purged.jsonl")])
        _ = try F.gc(root, fileSystem: fs)
        #expect(root.exists("outbox/purging/a~result.json") && root.exists("outbox/requests/a.json"))
        let tester = CLITester(root: root.path)
        let status = await tester.run(["status", "a"])
        #expect(status.code == .success)
        #expect(status.stdout.hasPrefix("a: purging - finished 2026-01-01T00:00:00.000Z; gc is removing its files"), "\(status.stdout)")
        let json = try RecordReader.parse(Array(await tester.run(["status", "a", "--json"]).stdout.utf8))
        #expect(json["status"] == "purging" && json["record"] == "outbox/purging/a~result.json")
        let show = await tester.run(["show", "a"])
        #expect(show.stdout.contains("run       a: purging"), "\(show.stdout)")
    }

    @Test func gcIsInTheHelp() async throws {
        let root = try TemporaryRoot()
        let help = await CLITester(root: root.path).run(["gc", "--help"])
        #expect(help.code == .success)
        for word in ["--older-than", "--dry-run", "--archive", "--json", "retention"] { #expect(help.stdout.contains(word), "\(word)") }
    }
}
