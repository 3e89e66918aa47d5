import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// The kept request (`outbox/requests/<runId>.json`) is the runner's own file, and nothing runs bytes the run was not
/// admitted with; reserving the run id with the runner's copy loses no cancel written while the drop waited.
@Suite(.serialized) struct KeptRequestTests {
    func echo(_ n: Int) -> String { RequestText.make(steps: [#"{"id": "a", "provider": "echo", "with": {"n": \#(n)}}"#]) }

    /// A cancel written while the request waited in the inbox is for it, though the own-copy reservation (link refused)
    /// gives the claim a new modification time: the run ends cancelled.
    @Test func aCancelWrittenWhileTheDropWaitedSurvivesTheOwnCopyReservation() async throws {
        let root = try TemporaryRoot()
        try root.drop("job.json", echo(1))
        try PosixFileSystem().setModified(root.file("inbox/job.json"), to: Date().addingTimeInterval(-60))
        try root.write("outbox/cancels/job.json", #"{"runId": "job", "by": "ann"}"#)
        let fs = FaultyFileSystem([.init("link", pathContains: "outbox/requests/job.json", code: EPERM, times: 1)])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        _ = try await Runner(context: context).runOnce()
        #expect(fs.operations.contains { $0.hasPrefix("writeAtomically") && $0.contains("job.json") }, "the own copy was made")
        #expect(root.json("outbox/results/job.json")?["status"] == "cancelled", "\(root.read("outbox/results/job.json") ?? "no result")")
    }

    /// A group-writable drop (a shared inbox with umask 002) is not linked as it is: the kept request is the runner's own
    /// copy (another inode, owned by the runner, writable by nobody else), with the same bytes.
    @Test func aGroupWritableDropIsKeptAsTheRunnersOwnCopy() async throws {
        let root = try TemporaryRoot()
        try root.drop("shared.json", echo(2))
        let dropped = try #require(root.read("inbox/shared.json"))
        #expect(chmod(root.file("inbox/shared.json"), 0o664) == 0)
        let before = try #require(try PosixFileSystem().info(root.file("inbox/shared.json")))
        try await root.runOnce()
        #expect(root.json("outbox/results/shared.json")?["status"] == "succeeded")
        let kept = try #require(try PosixFileSystem().info(root.file("outbox/requests/shared.json")))
        #expect(kept.inode != before.inode, "the dropper's own file was linked as the kept request")
        #expect(kept.owner == UInt32(geteuid()))
        #expect(kept.permissions & 0o022 == 0, "mode \(String(kept.permissions, radix: 8))")
        #expect(root.read("outbox/requests/shared.json") == dropped)
    }

    /// The runner's own file, not writable by others, is still linked (no copy is made).
    @Test func theRunnersOwnUnsharedDropIsLinked() async throws {
        let root = try TemporaryRoot()
        try root.drop("mine.json", echo(3))
        #expect(chmod(root.file("inbox/mine.json"), 0o644) == 0)
        let before = try #require(try PosixFileSystem().info(root.file("inbox/mine.json")))
        try await root.runOnce()
        #expect(try PosixFileSystem().info(root.file("outbox/requests/mine.json"))?.inode == before.inode)
    }

    /// `retry` refuses a kept request whose bytes are not the ones the run was admitted with.
    @Test func retryRefusesAKeptRequestThatWasRewritten() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop("r.json", echo(4))
        let cli = CLITester(root: root.path, clock: InstantClock(), variables: ["USER": "ann"])
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/results/r.json")?["status"] == "succeeded")
        try root.write("outbox/requests/r.json", echo(5))
        let retry = await cli.run(["retry", "r"])
        #expect(retry.code == .failure, "\(retry.stdout)")
        #expect(retry.stderr.contains("is not the request r was admitted with"), "\(retry.stderr)")
        #expect(!root.exists("outbox/requests/r.r1.json") && !root.exists("outbox/running/r.r1.json"))
    }

    /// A waiting run whose kept request was rewritten is not resumed with the new bytes: it fails with workflow_mismatch.
    @Test func aRewrittenKeptRequestIsNotResumed() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        let request = { (n: Int) in
            RequestText.make(
                id: "w",
                steps: [
                    #"{"id": "ok", "provider": "approval", "with": {"message": "go?"}}"#,
                    #"{"id": "after", "provider": "echo", "with": {"n": \#(n)}}"#,
                ])
        }
        try root.drop("w.json", request(1))
        let cli = CLITester(root: root.path, clock: InstantClock(), variables: ["USER": "ann"])
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/running/w.json")?["status"] == "waiting_approval")
        try root.write("outbox/requests/w.json", request(2))
        #expect(await cli.run(["approve", "w"]).code == .success)
        _ = await cli.run(["run", "--once"])
        let result = root.json("outbox/results/w.json")
        #expect(result?["status"] == "failed", "\(root.read("outbox/results/w.json") ?? "no result")")
        #expect(result?["error"]?["code"] == "workflow_mismatch")
    }
}

/// A retry killed between reserving its id and writing its record is completed by the next retry of the run.
@Suite struct OrphanedRetryTests {
    @Test func theNextRetryCompletesAnOrphanedRetryId() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop("r.json", RequestText.make(id: "r", steps: [#"{"id": "a", "provider": "echo"}"#]))
        let cli = CLITester(root: root.path, clock: InstantClock(), variables: ["USER": "ann"])
        _ = await cli.run(["run", "--once"])
        let killed = await cli.run(["retry", "r"], fileSystem: FaultyFileSystem([.kills(before: "writeNew", pathContains: "outbox/running/r.r1")]))
        #expect(killed.code != .success)
        #expect(root.exists("outbox/requests/r.r1.json") && !root.exists("outbox/running/r.r1.json"))
        let again = await cli.run(["retry", "r"])
        #expect(again.code == .success, "\(again.stderr)")
        #expect(again.stdout == "r.r1\n", "\(again.stdout)")
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/results/r.r1.json")?["status"] == "succeeded")
        #expect(!root.exists("outbox/requests/r.r2.json"))
    }
}
