import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// A file another user dropped into a group-shared inbox, and any other file the runner cannot admit for now:
/// one file never stops the runner or strands the others of its round.
@Suite(.serialized) struct SharedInboxTests {
    func echo(_ n: Int) -> String { RequestText.make(steps: [#"{"id": "a", "provider": "echo", "with": {"n": \#(n)}}"#]) }

    /// `link(2)` of another user's file fails with EPERM (`fs.protected_hardlinks=1`): the runner reserves the run id with
    /// its own copy of the exact bytes, and every file of the round runs.
    @Test func aFileTheRunnerMayNotLinkIsReservedWithItsOwnCopy() async throws {
        let root = try TemporaryRoot()
        for (i, name) in ["a.json", "foreign.json", "z.json"].enumerated() { try root.drop(name, echo(i)) }
        let dropped = try #require(root.read("inbox/foreign.json"))
        let fs = FaultyFileSystem([.init("link", pathContains: "outbox/requests/foreign.json", code: EPERM, times: 1)])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.allSucceeded, "\(summary.outcomes)")
        for id in ["a", "foreign", "z"] {
            #expect(root.json("outbox/results/\(id).json")?["status"] == "succeeded", "\(id): \(summary.outcomes)")
        }
        #expect(root.read("outbox/requests/foreign.json") == dropped, "the kept request is the exact bytes dropped")
        #expect(fs.operations.contains { $0.hasPrefix("writeAtomically") && $0.contains("outbox/claimed/") && $0.contains("foreign.json") })
        #expect(root.list("outbox/claimed/testhost-4242").isEmpty)
    }

    /// A drop whose id is taken is still a `duplicate` when the link is refused (the copy is linked, never over a name).
    @Test func aDuplicateIsStillRefusedWhenTheLinkIsNot() async throws {
        let root = try TemporaryRoot()
        // The first waits (no result yet), so only the reservation in outbox/requests/ tells the second is a duplicate.
        try root.drop("first.json", RequestText.make(id: "same", steps: [#"{"id": "a", "provider": "approval", "with": {"message": "go?"}}"#]))
        try await root.runOnce()
        #expect(root.json("outbox/running/same.json")?["status"] == "waiting_approval")
        try root.drop("second.json", RequestText.make(id: "same", steps: [#"{"id": "b", "provider": "echo"}"#]))
        let fs = FaultyFileSystem([.init("link", pathContains: "outbox/requests/same.json", code: EPERM, times: 1)])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        _ = try await Runner(context: context).runOnce()
        #expect(root.json("outbox/rejected/second.json.error.json")?["reason"] == "duplicate")
        #expect(root.read("outbox/rejected/second.json")?.contains(#""id": "b""#) == true, "rejected byte for byte")
        #expect(fs.operations.contains { $0.hasPrefix("writeAtomically") && $0.contains("second.json") }, "the copy was made and linked")
        #expect(root.json("outbox/running/same.json")?["steps"]?[0]?["id"] == "a")
    }

    /// A file the disk will not let the runner admit at all is left claimed with a line saying so; the others of its
    /// round run, the runner does not stop, and the next runner takes the file up.
    @Test func aFileThatCannotBeAdmittedForNowIsTriedAgainAndStrandsNothing() async throws {
        let root = try TemporaryRoot()
        for (i, name) in ["a.json", "stuck.json", "z.json"].enumerated() { try root.drop(name, echo(i)) }
        let fs = FaultyFileSystem([
            .init("link", pathContains: "outbox/requests/stuck.json", code: EIO),
            .init("writeAtomically", pathContains: "stuck.json", code: EIO),
        ])
        let context = root.engine(fileSystem: fs)
        let summary = try await Runner(context: context).runOnce()
        context.audit.close()
        #expect(!summary.allSucceeded && summary.deferred == 1, "\(summary.outcomes)")
        let line = try #require(summary.outcomes.first { $0.kind == .deferred })
        #expect(line.file == "stuck.json")
        #expect(line.detail?.contains("tried again") == true, "\(line.detail ?? "")")
        #expect(RunCommand.describe(line).hasPrefix("deferred  stuck.json: "))
        for id in ["a", "z"] { #expect(root.json("outbox/results/\(id).json")?["status"] == "succeeded", "\(id)") }
        #expect(root.list("outbox/claimed/testhost-4242") == ["stuck.json"])

        // The disk is well again: the next runner takes the claim over and runs it.
        let next = root.engine(identity: RunnerIdentity(host: "testhost", pid: 4243))
        defer { next.audit.close() }
        let again = try await Runner(context: next).runOnce()
        #expect(again.allSucceeded, "\(again.outcomes)")
        #expect(root.json("outbox/results/stuck.json")?["status"] == "succeeded")
    }

    @Test func aDeferredClaimIsOfferedAgainWithABackoff() {
        let deferred = DeferredClaims()
        let start = Date(timeIntervalSince1970: 1_000_000)
        let claim = ClaimedFile(name: "x.json", path: "/r/outbox/claimed/me/x.json", claimedAt: start)
        #expect(deferred.postpone(claim, now: start) == 1)
        #expect(deferred.due(at: start.addingTimeInterval(0.5), runner: "me").isEmpty)
        let offered = deferred.due(at: start.addingTimeInterval(1), runner: "me")
        #expect(offered.map(\.name) == ["x.json"] && offered.first?.recoveredFrom == "me", "offered again as a recovered claim")
        #expect(deferred.count == 0)
        #expect(deferred.postpone(claim, now: start) == 2)
        #expect(deferred.postpone(claim, now: start) == 4)
        for _ in 0..<10 { _ = deferred.postpone(claim, now: start) }
        #expect(deferred.postpone(claim, now: start) == DeferredClaims.maxBackoff)
    }
}
