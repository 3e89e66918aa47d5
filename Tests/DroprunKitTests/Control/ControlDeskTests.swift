import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// Decisions and cancels applied to runs whose record is not what a decision expects, and to idle runs that left
/// processes behind: the run ends with a clear code, and the runner goes on with its batch.
@Suite(.serialized) struct ControlDeskTests {
    static let start = WaitingApproval.start

    func waiting(expires: Int? = nil) async throws -> (TemporaryRoot, CLITester) { try await WaitingApproval.root(expires: expires) }

    /// Rewrites the waiting record of r1.
    func edit(_ root: TemporaryRoot, _ change: (inout RunRecord) -> Void) throws {
        let path = root.file("outbox/running/r1.json")
        var record = try RecordReader.record(at: path, fileSystem: PosixFileSystem())
        change(&record)
        try PosixFileSystem().writeAtomically(path, JSONWriter.prettyBytes(record.json), sync: false)
    }

    /// Sets the approval step of r1's waiting record (the one step `running`) to `pending`, as a hand edit would.
    func makeApprovalStepPending(_ root: TemporaryRoot) throws {
        let text = try #require(root.read("outbox/running/r1.json"))
        let range = try #require(text.range(of: #""status"\s*:\s*"running""#, options: .regularExpression))
        try root.write("outbox/running/r1.json", text.replacingCharacters(in: range, with: #""status": "pending""#))
        #expect(root.json("outbox/running/r1.json")?["steps"]?[0]?["status"] == "pending")
    }

    /// A decision for a waiting record whose approval step is not running fails the run with workflow_mismatch; the
    /// other drops of the batch run, and the decision is not recorded as applied.
    @Test func aDecisionForAnApprovalStepThatIsNotRunningFailsTheRunAndTheBatchGoesOn() async throws {
        let (root, cli) = try await waiting()
        try makeApprovalStepPending(root)
        #expect(await cli.run(["approve", "r1"]).code == .success)
        try root.drop("other.json", RequestText.make(id: "other", steps: [#"{"id": "a", "provider": "echo"}"#]))
        let ran = await cli.run(["run", "--once"])
        #expect(!ran.stderr.contains("illegal transition"), "\(ran.stderr)")
        #expect(root.json("outbox/results/other.json")?["status"] == "succeeded", "\(ran.stdout)\(ran.stderr)")
        let result = root.json("outbox/results/r1.json")
        #expect(result?["status"] == "failed", "\(ran.stdout)\(ran.stderr)")
        #expect(result?["error"]?["code"] == "workflow_mismatch")
        #expect(!root.auditEventNames(runId: "r1").contains("approval.received"), "\(root.auditEventNames(runId: "r1"))")
        #expect(!root.exists("outbox/running/r1.json"))
    }

    /// r1 waiting at its approval (run in-process), a runner on it whose file system breaks as `rules` say (and that
    /// holds its lease when `leased`), and a decision (`decision`) dropped and claimed by that runner.
    func decisionClaimed(
        _ decision: String, _ rules: [FaultyFileSystem.Rule], leased: Bool = true
    ) async throws -> (root: TemporaryRoot, context: EngineContext, runner: Runner, claimed: ClaimedFile) {
        let root = try TemporaryRoot()
        let clock = InstantClock(start: Self.start)
        try root.drop("r1.json", WaitingApproval.request())
        let first = root.engine(clock: clock)
        _ = try await Runner(context: first).runOnce()
        first.audit.close()
        #expect(root.json("outbox/running/r1.json")?["status"] == "waiting_approval")
        let context = root.engine(clock: clock, fileSystem: FaultyFileSystem(rules))
        if leased { try context.heartbeat.start(mode: "once", startedAt: context.clock.now(), concurrency: 1) }
        try root.drop("yes.json", #"{"kind": "approval", "runId": "r1", "decision": "\#(decision)", "by": "ada"}"#)
        let claimed = try #require(
            try Intake(context: context).claim(InboxCandidate(name: "yes.json", info: FileInfo(type: .regular, size: 0, modified: .distantPast))))
        return (root, context, Runner(context: context), claimed)
    }

    /// A decision whose write fails once (the disk refused the record or the result): nothing of it is said or kept,
    /// the run waits as before, and the message, offered again as `DeferredClaims` offers it, is applied then, once.
    @Test(arguments: [true, false])
    func aDecisionWhoseWriteFailsOnceLeavesTheRunWaitingAndIsAppliedWhenOfferedAgain(approve: Bool) async throws {
        // Both the resumed record (approve) and the result (reject) are written through a temporary file beside the record.
        let (root, context, runner, claimed) = try await decisionClaimed(
            approve ? "approve" : "reject", [.init("writeTemporary", pathContains: "outbox/running/r1.json", times: 1)])
        defer { context.audit.close() }
        defer { context.heartbeat.stop() }
        let failed = try await runner.admit(claimed)
        #expect(failed.outcomes.map(\.kind) == [.deferred], "\(failed.outcomes)")
        #expect(root.json("outbox/running/r1.json")?["status"] == "waiting_approval")
        #expect(root.list("outbox/claimed/\(context.identity.folderName)") == ["yes.json"], "the record taken over was put back")
        #expect(!root.exists("outbox/results/r1.json"))
        #expect(!root.auditEventNames(runId: "r1").contains("approval.received"), "\(root.auditEventNames(runId: "r1"))")

        let again = try #require(runner.deferred.due(at: .distantFuture, runner: context.identity.folderName).first)
        let applied = try await runner.admit(again)
        #expect(applied.outcomes.first?.detail == (approve ? "approved" : "rejected"), "\(applied.outcomes)")
        if approve { _ = try await runner.runOnce() }
        #expect(root.json("outbox/results/r1.json")?["status"] == (approve ? "succeeded" : "failed"))
        #expect(root.list("outbox/control") == ["yes.json"])
        let names = root.auditEventNames(runId: "r1")
        #expect(names.filter { $0 == "approval.received" }.count == 1, "\(names)")
        #expect(names.contains(approve ? "run.resumed" : "run.failed"), "\(names)")
    }

    /// A decision applied by a runner that lost its lease (it was paused) is rejected, and says nothing of a decision:
    /// the run waits as before for one dropped again.
    @Test(arguments: ["approve", "reject"])
    func aDecisionThatMeetsALostLeaseIsNotSaidToBeReceived(decision: String) async throws {
        let (root, context, runner, claimed) = try await decisionClaimed(decision, [], leased: false)
        defer { context.audit.close() }
        let admitted = try await runner.admit(claimed)
        #expect(admitted.outcomes.map(\.kind) == [.rejected(.invalidState)], "\(admitted.outcomes)")
        #expect(root.json("outbox/running/r1.json")?["status"] == "waiting_approval")
        #expect(root.list("outbox/claimed/\(context.identity.folderName)").isEmpty)
        #expect(!root.exists("outbox/results/r1.json"))
        #expect(!root.auditEventNames(runId: "r1").contains("approval.received"), "\(root.auditEventNames(runId: "r1"))")
    }

    /// A rejection whose result is written but whose events cannot be: the record taken over is removed, never put
    /// back beside the result, and the run is not left in this runner's claim folder.
    @Test func aRejectionWrittenButNotSaidLeavesNoRecordBesideItsResult() async throws {
        let (root, context, runner, claimed) = try await decisionClaimed("reject", [.init("append", pathContains: "outbox/audit", times: 1)])
        defer { context.audit.close() }
        defer { context.heartbeat.stop() }
        let failed = try await runner.admit(claimed)
        #expect(failed.outcomes.map(\.kind) == [.deferred], "\(failed.outcomes)")
        #expect(root.json("outbox/results/r1.json")?["status"] == "failed")
        #expect(!root.exists("outbox/running/r1.json"))
        #expect(root.list("outbox/claimed/\(context.identity.folderName)") == ["yes.json"])
    }

    /// The expiry of such an approval fails the run the same way instead of making every runner throw at each scan.
    @Test func anExpiredApprovalWhoseStepIsNotRunningFailsTheRun() async throws {
        let (root, _) = try await waiting(expires: 60)
        try makeApprovalStepPending(root)
        let later = CLITester(root: root.path, clock: InstantClock(start: Self.start.addingTimeInterval(3600)), variables: ["USER": "alice"])
        let ran = await later.run(["run", "--once"])
        #expect(!ran.stderr.contains("illegal transition"), "\(ran.stderr)")
        let result = root.json("outbox/results/r1.json")
        #expect(result?["status"] == "failed", "\(ran.stdout)\(ran.stderr)")
        #expect(result?["error"]?["code"] == "workflow_mismatch")
        let again = await later.run(["run", "--once"])
        #expect(again.code == .success, "\(again.stdout)\(again.stderr)")
    }

    /// Cancelling an idle run whose record names a leftover process group (a dead runner's command) ends that group.
    @Test(.enabled(if: ProcessTable.entry(getpid()) != nil, "reads /proc"))
    func cancellingAnIdleRunEndsItsLeftoverProcessGroup() async throws {
        let (root, cli) = try await waiting()
        let spec = ProcessSpec(
            path: "/bin/sh", arguments: ["-c", "sleep 30 & wait"], environment: ["PATH": "/usr/bin:/bin"],
            workingDirectory: nil, standardInput: [])
        let process = try await PosixProcessLauncher().start(spec)
        try edit(root) { $0.steps[0].process = process.identity }
        #expect(LeftoverProcessGroup.isRunning(process.identity))
        #expect(await cli.run(["cancel", "r1"]).code == .success)
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/results/r1.json")?["status"] == "cancelled")
        let ended = !LeftoverProcessGroup.isRunning(process.identity)
        if !ended { process.signal(SIGKILL) }
        _ = await process.wait()
        #expect(ended, "the leftover process group still runs")
    }

    /// A decision whose takeover fails for a reason of the disk (EIO, not ENOENT) is deferred and tried again, not
    /// rejected as if another runner were changing the run; the decision stays in the claim folder.
    @Test(arguments: [EIO, EACCES, ENOSPC])
    func aDecisionWhoseTakeoverFailsOnTheDiskIsDeferred(_ code: Int32) async throws {
        let (root, cli) = try await waiting()
        #expect(await cli.run(["approve", "r1"]).code == .success)
        let fs = FaultyFileSystem([.init("rename", pathContains: "outbox/running/r1.json ->", code: code, times: 1)])
        let ran = await cli.run(["run", "--once"], fileSystem: fs)
        #expect(fs.operations.contains { $0.hasPrefix("rename") && $0.contains("outbox/running/r1.json ->") }, "the takeover was tried")
        #expect(!ran.stdout.contains("being changed by another runner"), "\(ran.stdout)\(ran.stderr)")
        #expect(ran.stdout.contains("tried again"), "\(ran.stdout)\(ran.stderr)")
        #expect(!root.list("outbox/rejected").contains { $0.hasSuffix(".error.json") }, "\(root.list("outbox/rejected"))")
        #expect(root.json("outbox/running/r1.json")?["status"] == "waiting_approval")
        #expect(root.list("outbox/claimed/testhost-4242").contains { $0.hasPrefix("r1.approve.") }, "the decision is kept for a later try")
    }
}
