import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// Claims tried again later: a settled name starts afresh, and a reserved claim taken up again has a whole audit trail.
@Suite struct DeferredClaimsTests {
    func echo(_ id: String) -> String { RequestText.make(id: id, steps: [#"{"id": "a", "provider": "echo"}"#]) }

    /// A drop that failed once, then was admitted: a later drop under the same name that fails waits the first backoff.
    @Test func aLaterDropUnderTheSameNameStartsAtTheFirstBackoff() async throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem([
            .init("link", pathContains: "outbox/requests/", code: EIO, times: 1),
            .init("writeAtomically", pathContains: "outbox/claimed/", code: EIO, times: 1),
        ])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        try context.heartbeat.start(mode: "once", startedAt: context.clock.now(), concurrency: 1)
        defer { context.heartbeat.stop() }
        let runner = Runner(context: context)
        let intake = Intake(context: context)
        try root.drop("x.json", echo("first"))
        let claimed = try #require(try intake.claim(InboxCandidate(name: "x.json", info: FileInfo(type: .regular, size: 0, modified: .distantPast))))
        let failed = try await runner.admit(claimed)
        #expect(failed.outcomes.first?.detail?.contains("tried again in 1 s") == true, "\(failed.outcomes)")
        var again = claimed
        again.recoveredFrom = context.identity.folderName
        let admitted = try await runner.admit(again)
        let run = try #require(admitted.run)
        _ = try await runner.perform(run)
        #expect(root.json("outbox/results/first.json")?["status"] == "succeeded")
        #expect(!root.exists("outbox/claimed/testhost-4242/x.json"))

        fs.inject(.init("link", pathContains: "outbox/requests/second.json", code: EIO, times: 1))
        fs.inject(.init("writeAtomically", pathContains: "outbox/claimed/", code: EIO, times: 1))
        try root.drop("x.json", echo("second"))
        let next = try #require(try intake.claim(InboxCandidate(name: "x.json", info: FileInfo(type: .regular, size: 0, modified: .distantPast))))
        let failedAgain = try await runner.admit(next)
        #expect(failedAgain.outcomes.first?.detail?.contains("tried again in 1 s") == true, "\(failedAgain.outcomes)")
    }

    /// A runner dies after reserving the run id, before `run.queued`: the runner that takes the claim over writes it.
    @Test func aReservedClaimTakenUpAgainGetsRunQueued() async throws {
        let root = try TemporaryRoot()
        try root.drop("r.json", echo("r"))
        let fs = FaultyFileSystem([.kills(before: "append", pathContains: "outbox/audit")])
        let dead = root.engine(fileSystem: fs, identity: RunnerIdentity(host: "testhost", pid: 1))
        _ = try? await Runner(context: dead).runOnce()
        #expect(root.exists("outbox/requests/r.json") && !root.exists("outbox/running/r.json"))
        let context = root.engine(identity: RunnerIdentity(host: "testhost", pid: 2))
        defer { context.audit.close() }
        context.liveness.bury("testhost-1")
        _ = try await Runner(context: context).runOnce()
        #expect(root.json("outbox/results/r.json")?["status"] == "succeeded")
        let names = root.auditEventNames(runId: "r")
        #expect(names.first == "run.queued", "\(names)")
        #expect(names.filter { $0 == "run.queued" }.count == 1 && names.contains("run.recovered"), "\(names)")
    }
}
