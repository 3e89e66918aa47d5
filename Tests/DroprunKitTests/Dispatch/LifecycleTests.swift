import DroprunTestSupport
import Foundation
import Synchronization
import Testing

@testable import DroprunKit

/// Approvals, cancellation, leases and takeover, in-process with injected clocks.
@Suite struct LifecycleTests {
    static let approvalRun = RequestText.make(
        id: "deploy",
        steps: [
            #"{"id": "build", "provider": "template", "with": {"template": "v1"}}"#,
            #"{"id": "ok", "provider": "approval", "with": {"message": "ship {{steps.build.output.text}}?", "expiresAfterSeconds": 60}}"#,
            #"{"id": "ship", "provider": "echo", "with": {"decision": "{{steps.ok.output.decision}}", "by": "{{steps.ok.output.by}}"}}"#,
        ])

    func approval(_ decision: String, runId: String = "deploy") -> String {
        #"{"kind": "approval", "runId": "\#(runId)", "decision": "\#(decision)", "by": "ada", "note": "fine"}"#
    }

    @Test func approvalWaitsFreesTheWorkerAndResumes() async throws {
        let root = try TemporaryRoot()
        try root.drop("deploy.json", Self.approvalRun)
        let first = try await root.runOnce()
        #expect(first.outcomes.map(\.kind) == [.waiting])
        let waiting = try #require(root.json("outbox/running/deploy.json"))
        #expect(waiting["status"] == "waiting_approval")
        #expect(waiting["runner"] == .null)
        #expect(waiting["approval"]?["message"] == "ship v1?")
        #expect(root.auditEventNames(runId: "deploy").last == "run.waiting_approval")

        // A restart leaves it waiting.
        let idle = try await root.runOnce()
        #expect(idle.outcomes.isEmpty)
        #expect(root.json("outbox/running/deploy.json")?["status"] == "waiting_approval")

        try root.drop("ok.json", approval("approve"))
        let second = try await root.runOnce()
        #expect(second.count(.succeeded) == 1)
        let result = try #require(root.json("outbox/results/deploy.json"))
        #expect(result["status"] == "succeeded")
        #expect(result["output"] == ["decision": "approve", "by": "ada"])
        #expect(result["steps"]?.arrayValue?[1]["output"] == ["decision": "approve", "by": "ada", "note": "fine"])
        #expect(!root.exists("outbox/running/deploy.json"))
        #expect(root.list("outbox/control") == ["ok.json"])
        let names = root.auditEventNames(runId: "deploy")
        #expect(names.contains("approval.received"))
        #expect(names.contains("run.resumed"))
        #expect(names.filter { $0 == "step.started" }.count == 3, "the build step ran once")
    }

    @Test func rejectionFailsTheRun() async throws {
        let root = try TemporaryRoot()
        try root.drop("deploy.json", Self.approvalRun)
        try await root.runOnce()
        try root.drop("no.json", approval("reject"))
        try await root.runOnce()
        let result = try #require(root.json("outbox/results/deploy.json"))
        #expect(result["status"] == "failed")
        #expect(result["error"]?["code"] == "approval_rejected")
        #expect(result["steps"]?.arrayValue?.map { $0["status"]?.stringValue ?? "" } == ["succeeded", "failed", "skipped"])
    }

    @Test func approvalExpires() async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock()
        try root.drop("deploy.json", Self.approvalRun)
        try await root.runOnce(clock: clock)
        clock.advance(by: .seconds(59))
        try await root.runOnce(clock: clock)
        #expect(root.json("outbox/running/deploy.json")?["status"] == "waiting_approval")
        clock.advance(by: .seconds(2))
        try await root.runOnce(clock: clock)
        let result = try #require(root.json("outbox/results/deploy.json"))
        #expect(result["error"]?["code"] == "approval_expired")
        #expect(result["status"] == "failed")
    }

    @Test func approvalsForRunsThatCannotTakeThemAreRejected() async throws {
        let root = try TemporaryRoot()
        try root.drop("ghost.json", approval("approve", runId: "ghost"))
        try root.drop("plain.json", RequestText.make(id: "plain", steps: [#"{"id": "a", "provider": "echo", "with": {}}"#]))
        try await root.runOnce()
        #expect(root.json("outbox/rejected/ghost.json.error.json")?["reason"] == "unknown_run")
        try root.drop("late.json", approval("approve", runId: "plain"))
        try root.drop("cancel-late.json", #"{"kind": "cancel", "runId": "plain"}"#)
        try await root.runOnce()
        #expect(root.json("outbox/rejected/late.json.error.json")?["reason"] == "invalid_state")
        #expect(root.json("outbox/rejected/cancel-late.json.error.json")?["reason"] == "invalid_state")
    }

    @Test func cancellingAQueuedRequestRunsNoStep() async throws {
        let root = try TemporaryRoot()
        try root.drop("a-file-name.json", RequestText.make(id: "queued-one", steps: [#"{"id": "a", "provider": "echo", "with": {}}"#]))
        try root.drop("stop.json", #"{"kind": "cancel", "runId": "queued-one", "by": "ops"}"#)
        // The cancel is older, so it is read first, while the request still waits in the inbox.
        try PosixFileSystem().setModified(root.file("inbox/stop.json"), to: Date(timeIntervalSinceNow: -60))
        try await root.runOnce()
        let result = try #require(root.json("outbox/results/queued-one.json"))
        #expect(result["status"] == "cancelled")
        #expect(result["error"]?["message"] == "the run was cancelled by ops")
        #expect(!root.auditEventNames(runId: "queued-one").contains("step.started"))
        #expect(root.list("outbox/cancels").isEmpty)
    }

    @Test func cancellingAWaitingRunEndsItAtOnce() async throws {
        let root = try TemporaryRoot()
        try root.drop("deploy.json", Self.approvalRun)
        try await root.runOnce()
        try root.drop("stop.json", #"{"kind": "cancel", "runId": "deploy"}"#)
        try await root.runOnce()
        let result = try #require(root.json("outbox/results/deploy.json"))
        #expect(result["status"] == "cancelled")
        #expect(result["steps"]?.arrayValue?.map { $0["status"]?.stringValue ?? "" } == ["succeeded", "failed", "skipped"])
    }

    @Test func cancellingARunningStepInterruptsItPromptly() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "slow.json",
            RequestText.make(
                id: "slow",
                steps: [
                    #"{"id": "wait", "provider": "delay", "with": {"ms": 600000}}"#, #"{"id": "never", "provider": "echo", "with": {}}"#,
                ]))
        let clock = ManualClock()
        let task = Task { try await root.runOnce(clock: clock) }
        #expect(await clock.waitForSleep(ms: 600_000))
        try root.write("outbox/cancels/slow.json", #"{"runId": "slow", "by": "ops"}"#)
        let summary = try await task.value
        // The clock never moved, so the 10-minute delay cannot have ended by itself: the cancel interrupted it.
        #expect(clock.now() == ManualClock().now())
        #expect(summary.count(.cancelled) == 1)
        let result = try #require(root.json("outbox/results/slow.json"))
        #expect(result["steps"]?.arrayValue?.map { $0["status"]?.stringValue ?? "" } == ["failed", "skipped"])
        #expect(result["steps"]?.arrayValue?.first?["error"]?["code"] == "cancelled")
    }

    /// A run left by another runner: step `a` done, step `b` interrupted.
    func leaveOrphan(_ root: TemporaryRoot, owner: RunnerIdentity, heartbeatAge: TimeInterval?, clock: any RunnerClock) throws {
        let text = RequestText.make(
            id: "orphan",
            steps: [
                #"{"id": "a", "provider": "template", "with": {"template": "A"}}"#,
                #"{"id": "b", "provider": "echo", "with": {"a": "{{steps.a.output.text}}"}}"#,
            ])
        try root.write("outbox/requests/orphan.json", text)
        let request = try #require(
            try? RequestDecoder(configuration: .fastForTests, registry: .builtIn).decode(Array(text.utf8), fileName: "orphan.json").get())
        guard case .run(let decoded, _) = request else {
            Issue.record("the request decoded as a control message: \(request)")
            return
        }
        var record = RunRecord(
            runId: "orphan", workflow: decoded.workflow, requestFile: "orphan.json", requestSHA256: "", requestSize: 0,
            receivedAt: clock.now(), createdAt: clock.now())
        try record.apply(.start)
        record.startedAt = clock.now()
        record.runner = owner.actor
        try record.steps[0].apply(.start)
        record.steps[0].attempts = 1
        try record.steps[0].apply(.succeed)
        record.steps[0].output = ["text": "A"]
        try record.steps[1].apply(.start)
        record.steps[1].attempts = 1
        try root.write("outbox/running/orphan.json", JSONWriter.pretty(record.json))
        if let age = heartbeatAge {
            let heartbeat = root.file("outbox/runners/\(owner.folderName).json")
            try root.write("outbox/runners/\(owner.folderName).json", "{}")
            try PosixFileSystem().setModified(heartbeat, to: clock.now().addingTimeInterval(-age))
        }
    }

    @Test func aRunWhoseLeaseExpiredIsTakenOverWithoutRerunningFinishedSteps() async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock(start: Date())
        let other = RunnerIdentity(host: "otherhost", pid: 77)
        try leaveOrphan(root, owner: other, heartbeatAge: 10, clock: clock)
        // Lease (30 s) still held: left alone.
        #expect(try await root.runOnce(clock: clock).outcomes.isEmpty)
        #expect(root.exists("outbox/running/orphan.json"))
        clock.advance(by: .seconds(25))
        let summary = try await root.runOnce(clock: clock)
        #expect(summary.count(.succeeded) == 1)
        let result = try #require(root.json("outbox/results/orphan.json"))
        #expect(result["output"] == ["a": "A"])
        #expect(result["steps"]?.arrayValue?.first?["attempts"] == 1)
        #expect(result["steps"]?.arrayValue?.last?["attempts"] == 2, "the interrupted step ran again")
        let recovered = try #require(root.auditEvents().first { $0["event"] == "run.recovered" })
        #expect(recovered["data"]?["previousRunner"] == "otherhost:77")
        #expect(recovered["data"]?["interruptedSteps"] == ["b"])
        #expect(!root.exists("outbox/runners/otherhost-77.json"), "the dead runner's heartbeat was removed")
    }

    @Test func aTakenOverRunSweepsTheTemporaryFilesItsDeadRunnerLeftInItsArtifactFolder() async throws {
        let root = try TemporaryRoot()
        let clock = InstantClock()
        let text = RequestText.make(
            id: "orphan",
            steps: [
                #"{"id": "a", "provider": "template", "with": {"template": "A"}}"#,
                #"{"id": "b", "provider": "artifact", "with": {"name": "sub/out.txt", "content": "{{steps.a.output.text}}"}}"#,
            ])
        try root.write("outbox/requests/orphan.json", text)
        guard
            case .success(.run(let decoded, _)) = RequestDecoder(configuration: .fastForTests, registry: .builtIn).decode(
                Array(text.utf8), fileName: "orphan.json")
        else {
            Issue.record("the request did not decode")
            return
        }
        var record = RunRecord(
            runId: "orphan", workflow: decoded.workflow, requestFile: "orphan.json", requestSHA256: "", requestSize: 0,
            receivedAt: clock.now(), createdAt: clock.now())
        try record.apply(.start)
        record.runner = "deadhost:5"
        try record.steps[0].apply(.start)
        try record.steps[0].apply(.succeed)
        record.steps[0].output = ["text": "A"]
        try record.steps[1].apply(.start)
        try root.write("outbox/running/orphan.json", JSONWriter.pretty(record.json))
        // The dead runner was writing the artifact when it was killed.
        try root.write("artifacts/orphan/sub/.out.txt.5.7.tmp", "A half")
        try root.write("artifacts/orphan/.stray.5.8.tmp", "x")
        try root.write("artifacts/orphan/notes.txt", "an operator's file")

        #expect(try await root.runOnce(clock: clock).count(.succeeded) == 1)
        #expect(root.list("artifacts/orphan") == ["manifest.json", "notes.txt", "sub"])
        #expect(root.list("artifacts/orphan/sub") == ["out.txt"])
        #expect(root.read("artifacts/orphan/sub/out.txt") == "A")
    }

    @Test func aCrashedRunnerOnThisHostIsTakenOverAtOnce() async throws {
        let root = try TemporaryRoot()
        let clock = InstantClock(start: Date())
        let crashed = RunnerIdentity(host: "testhost", pid: 999_999)
        try leaveOrphan(root, owner: crashed, heartbeatAge: 1, clock: clock)
        let context = root.engine(clock: clock)
        var dead = context
        dead.isProcessAlive = { $0 != 999_999 }
        let summary = try await Runner(context: dead).runOnce()
        #expect(summary.count(.succeeded) == 1)
        let alive = try TemporaryRoot()
        try leaveOrphan(alive, owner: crashed, heartbeatAge: 1, clock: clock)
        var living = alive.engine(clock: clock)
        living.isProcessAlive = { _ in true }
        #expect(try await Runner(context: living).runOnce().outcomes.isEmpty)
    }

    @Test func aRunnerThatLostItsLeaseWritesNothingMore() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "paused.json",
            RequestText.make(
                id: "paused",
                steps: [
                    #"{"id": "wait", "provider": "delay", "with": {"ms": 5000}}"#, #"{"id": "next", "provider": "echo", "with": {}}"#,
                ]))
        let clock = ManualClock()
        var context = root.engine(clock: clock)
        context.leaseCheck = LeaseCheck(validity: .zero)
        let engine = context
        let task = Task { try await Runner(context: engine).runOnce() }
        #expect(await clock.waitForSleep(ms: 5000))
        // Another runner declares this one dead and takes the run over.
        try FileManager.default.removeItem(atPath: context.heartbeat.path)
        try FileManager.default.moveItem(atPath: root.file("outbox/running/paused.json"), toPath: root.file("taken.json"))
        clock.advance(by: .seconds(5))
        await #expect(throws: LostLease.self) { try await task.value }
        #expect(!root.exists("outbox/running/paused.json"), "no live record brought back")
        #expect(!root.exists("outbox/results/paused.json"), "no result")
        #expect(!root.auditEventNames(runId: "paused").contains("run.succeeded"))
    }

    @Test func retryCreatesALinkedRunAndKeepsTheOldResult() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop("flaky.json", RequestText.make(id: "flaky", steps: [#"{"id": "x", "provider": "fail", "with": {"code": "boom"}}"#]))
        let cli = CLITester(root: root.path)
        _ = await cli.run(["run", "--once"])
        let before = root.read("outbox/results/flaky.json")
        let retried = await cli.run(["retry", "flaky"])
        #expect(retried.stdout == "flaky.r1\n")
        #expect(root.read("outbox/requests/flaky.r1.json") == root.read("outbox/requests/flaky.json"))
        _ = await cli.run(["run", "--once"])
        let again = await cli.run(["retry", "flaky"])
        #expect(again.stdout == "flaky.r2\n")
        _ = await cli.run(["run", "--once"])
        #expect(root.read("outbox/results/flaky.json") == before)
        #expect(root.json("outbox/results/flaky.r1.json")?["retryOf"] == "flaky")
        #expect(root.json("outbox/results/flaky.r2.json")?["retryOf"] == "flaky")
        #expect(root.json("outbox/results/flaky.r1.json")?["runId"] == "flaky.r1")
        let unfinished = await cli.run(["retry", "nothing-here"])
        #expect(unfinished.code == .failure)
    }

    @Test func retryOfARunWhoseRequestNoLongerValidatesSaysWhatToDoAndCreatesNothing() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.write("workflows/greet.json", #"{"name": "greet", "steps": [{"id": "s", "provider": "echo", "with": {"x": 1}}]}"#)
        try root.drop("named.json", #"{"workflow": "greet"}"#)
        let cli = CLITester(root: root.path)
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/results/named.json")?["status"] == "succeeded")
        // The run's own definition is kept; the file as it is now (gone) is what --latest would run.
        try FileManager.default.removeItem(atPath: root.file("workflows/greet.json"))
        let retried = await cli.run(["retry", "--latest", "named"])
        #expect(retried.code == .failure)
        #expect(retried.stderr.contains("outbox/requests/named.json no longer validates"))
        #expect(retried.stderr.contains("fix the configuration or submit a corrected request"))
        #expect(!root.exists("outbox/requests/named.r1.json"))
        #expect(root.list("outbox/running").isEmpty)
    }

    @Test func anApprovalForARunAnotherRunnerIsChangingIsRejectedWithAdviceToDropItAgain() async throws {
        let root = try TemporaryRoot()
        try root.drop("deploy.json", Self.approvalRun)
        try await root.runOnce()
        #expect(root.json("outbox/running/deploy.json")?["status"] == "waiting_approval")
        // Another runner moves the record away (takes it over) between the check and the takeover.
        let fs = FaultyFileSystem([.init("rename", pathContains: "outbox/running/deploy.json ->", code: ENOENT, times: 1)])
        try root.drop("ok.json", approval("approve"))
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.invalidState)])
        let error = try #require(root.json("outbox/rejected/ok.json.error.json"))
        #expect(error["errors"]?[0]?["message"]?.stringValue?.contains("being changed by another runner; drop the approval again") == true)
        #expect(root.json("outbox/running/deploy.json")?["status"] == "waiting_approval", "the run still waits")
        // Dropped again, it applies.
        try root.drop("ok2.json", approval("approve"))
        #expect(try await root.runOnce().count(.succeeded) == 1)
    }

    @Test func anApprovalAppliedJustBeforeACrashIsFiledAsAppliedWhenReplayed() async throws {
        let root = try TemporaryRoot()
        try root.drop("deploy.json", Self.approvalRun)
        try await root.runOnce()
        try root.drop("no.json", approval("reject"))
        // The decision is recorded (the run fails), then filing the message fails: as if the runner died in between.
        let crashing = FaultyFileSystem([.init("rename", pathContains: "outbox/control/no.json", code: EIO, times: 1)])
        let first = root.engine(fileSystem: crashing)
        // The runner goes on; the message stays in its claim folder, as a runner killed there would leave it.
        #expect(try await Runner(context: first).runOnce().deferred == 1)
        first.audit.close()
        #expect(root.json("outbox/results/deploy.json")?["status"] == "failed")
        #expect(!root.exists("outbox/control/no.json"))
        // Another runner takes the dead runner's claim over and replays the message.
        let second = root.engine(identity: RunnerIdentity(host: "testhost", pid: 4343))
        defer { second.audit.close() }
        let summary = try await Runner(context: second).runOnce()
        #expect(summary.outcomes.map(\.kind) == [.control])
        #expect(summary.outcomes.first?.detail == "already applied before a restart")
        #expect(root.exists("outbox/control/no.json"))
        #expect(root.list("outbox/rejected").isEmpty)
        #expect(root.auditEventNames(runId: "deploy").filter { $0 == "approval.received" }.count == 1)

        // A different approval for the finished run is still refused.
        try root.drop("late.json", approval("approve"))
        #expect(try await root.runOnce().outcomes.map(\.kind) == [.rejected(.invalidState)])
    }

    @Test func aReplayedApprovalNeverApprovesALaterApprovalStep() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "twice.json",
            RequestText.make(
                id: "twice",
                steps: [
                    #"{"id": "first", "provider": "approval", "with": {"message": "one?"}}"#,
                    #"{"id": "second", "provider": "approval", "with": {"message": "two?"}}"#,
                    #"{"id": "done", "provider": "echo"}"#,
                ]))
        try await root.runOnce()
        try root.drop("ok.json", approval("approve", runId: "twice"))
        // Applied (the run is released), then the runner dies before filing the message.
        let crashing = FaultyFileSystem([.init("rename", pathContains: "outbox/control/ok.json", code: EIO, times: 1)])
        let first = root.engine(fileSystem: crashing)
        // The runner goes on; the message stays in its claim folder, as a runner killed there would leave it.
        #expect(try await Runner(context: first).runOnce().deferred == 1)
        first.audit.close()
        let claims = root.list("outbox/claimed")
        try #require(claims.count == 1)
        // Another runner resumes the run (the dead runner's claims are out of its sight meanwhile) up to the second approval.
        #expect(rename(root.file("outbox/claimed/\(claims[0])"), root.file("outbox/claimed/.parked")) == 0)
        try await root.runOnce()
        #expect(root.json("outbox/running/twice.json")?["approval"]?["step"] == "second")
        // Then the message is replayed: it was applied to the first step, so it is filed, and the second still waits.
        #expect(rename(root.file("outbox/claimed/.parked"), root.file("outbox/claimed/\(claims[0])")) == 0)
        let second = root.engine(identity: RunnerIdentity(host: "testhost", pid: 4343))
        defer { second.audit.close() }
        let summary = try await Runner(context: second).runOnce()
        #expect(summary.outcomes.first?.detail == "already applied before a restart")
        #expect(root.json("outbox/running/twice.json")?["status"] == "waiting_approval")
        #expect(root.json("outbox/running/twice.json")?["approval"]?["step"] == "second")
        #expect(root.auditEventNames(runId: "twice").filter { $0 == "approval.received" }.count == 1)
    }

    @Test func controlCommandsCheckTheRunFirst() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop("deploy.json", Self.approvalRun)
        let cli = CLITester(root: root.path)
        _ = await cli.run(["run", "--once"])
        #expect(await cli.run(["approve", "ghost"]).code == .failure)
        let status = await cli.run(["status", "deploy"])
        #expect(status.stdout.contains("waiting_approval"))
        #expect(status.stdout.contains("step 'ok' asks: ship v1?"))
        #expect(status.stdout.contains("droprun approve|reject deploy"))
        #expect(await cli.run(["show", "deploy"]).stdout.contains("droprun approve deploy"))
        let approved = await cli.run(["approve", "deploy", "--by", "ada", "--note", "go"])
        #expect(approved.code == .success)
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/results/deploy.json")?["steps"]?.arrayValue?[1]["output"]?["note"] == "go")
        let late = await cli.run(["cancel", "deploy"])
        #expect(late.code == .failure)
        #expect(late.stderr.contains("already finished"))
    }

    @Test func aTakenOverRunWhoseRequestNoLongerValidatesFailsClearly() async throws {
        let root = try TemporaryRoot()
        let clock = InstantClock(start: Date())
        try leaveOrphan(root, owner: RunnerIdentity(host: "gone", pid: 5), heartbeatAge: nil, clock: clock)
        try root.write("outbox/requests/orphan.json", "{ damaged")
        let summary = try await root.runOnce(clock: clock)
        #expect(summary.count(.failed) == 1)
        let result = try #require(root.json("outbox/results/orphan.json"))
        #expect(result["error"]?["code"] == "provider_error")
        #expect(result["error"]?["message"]?.stringValue?.contains("no longer validates") == true)
        #expect(result["steps"]?[0]?["status"] == "succeeded", "the finished step keeps its output")
    }

    @Test func aLiveRecordThatIsNotARecordIsLeftAloneAndDoesNotLoop() async throws {
        let root = try TemporaryRoot()
        try root.write("outbox/running/odd.json", #"{"status": "running", "runner": null}"#)
        let summary = try await root.runOnce()
        #expect(summary.outcomes.isEmpty)
        #expect(root.read("outbox/running/odd.json") == #"{"status": "running", "runner": null}"#)
    }
}

/// Temporary files that killed runners leave in `outbox/running/`.
@Suite struct StaleTemporaryTests {
    @Test func oldTemporaryFilesInRunningAreSweptAndFreshOnesKept() async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock(start: Date())
        try root.write("outbox/running/.old.json.123.4.tmp", #"{"runId": "old"}"#)
        try root.write("outbox/running/.fresh.json.123.5.tmp", #"{"runId": "fresh"}"#)
        try root.write("outbox/running/.keep.txt", "not a temporary file")
        let fs = PosixFileSystem()
        try fs.setModified(root.file("outbox/running/.old.json.123.4.tmp"), to: clock.now().addingTimeInterval(-Recovery.staleTemporaryAge - 1))
        try fs.setModified(root.file("outbox/running/.fresh.json.123.5.tmp"), to: clock.now().addingTimeInterval(-Recovery.staleTemporaryAge + 60))
        try await root.runOnce(clock: clock)
        #expect(root.list("outbox/running") == [".fresh.json.123.5.tmp", ".keep.txt"])
        clock.advance(by: .seconds(61))
        try await root.runOnce(clock: clock)
        #expect(root.list("outbox/running") == [".keep.txt"])
    }

    @Test func aCheckpointThatCannotBePublishedLeavesNoTemporaryFile() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "stuck.json",
            RequestText.make(
                id: "stuck",
                steps: [
                    #"{"id": "a", "provider": "echo"}"#, #"{"id": "b", "provider": "delay", "with": {"ms": 0}}"#,
                    #"{"id": "c", "provider": "delay", "with": {"ms": 0}}"#,
                ]))
        // The checkpoints before b and c (steps that may wait) publish the live record; the second replaces the first, and that fails.
        let fs = FaultyFileSystem([.init("replace", pathContains: "outbox/running/stuck.json", code: EIO)])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        _ = try? await Runner(context: context).runOnce()
        #expect(fs.operations.contains { $0.hasPrefix("replace ") }, "the replacement was tried")
        #expect(root.list("outbox/running").allSatisfy { !Path.isTemporary($0) }, "\(root.list("outbox/running"))")
        #expect(!root.exists("outbox/results/stuck.json"))
    }

    @Test func replacePublishesTheNewVersionAndLeavesNoTemporaryFile() throws {
        let root = try TemporaryRoot()
        let fs = PosixFileSystem()
        let target = root.file("outbox/running/r.json")
        // Nothing to replace yet: the file is created.
        try fs.replace(try fs.writeTemporary(besides: target, Array("one".utf8)), to: target)
        let first = try #require(try fs.info(target))
        try fs.replace(try fs.writeTemporary(besides: target, Array("two".utf8)), to: target)
        #expect(try fs.readFile(target) == Array("two".utf8))
        #expect(try fs.info(target)?.inode != first.inode, "a new file, never the old one rewritten")
        try fs.writeAtomically(target, Array("three".utf8), sync: true)
        #expect(try fs.readFile(target) == Array("three".utf8))
        #expect(root.list("outbox/running") == ["r.json"])
        #expect(throws: FileSystemError.self) { try fs.replace(root.file("outbox/running/missing.tmp"), to: target) }
        // A folder in the way is never swapped away.
        try fs.makeDirectory(root.file("outbox/running/folder"))
        try root.write("outbox/running/folder/inside", "kept")
        let temp = try fs.writeTemporary(besides: root.file("outbox/running/folder"), Array("file".utf8))
        #expect(throws: FileSystemError.self) { try fs.replace(temp, to: root.file("outbox/running/folder")) }
        #expect(root.read("outbox/running/folder/inside") == "kept")
        try fs.remove(temp)
        try fs.remove(root.file("outbox/running/folder/inside"))
        try fs.removeDirectory(root.file("outbox/running/folder"))
        #expect(try fs.readFile(target) == Array("three".utf8))
    }
}

/// A test provider whose output is whatever `report` says when the step runs (what it sees on disk, say).
struct ProbeProvider: Provider {
    let name: String
    let mayWait: Bool
    let report: @Sendable (StepContext) -> JSONValue
    var summary: String { "test: reports what it sees when the step runs" }
    func validate(_ with: inout JSONObjectReader, context: ValidationContext) {}
    func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue { report(context) }

    /// Registers an instant (`probe-instant`) and a waiting (`probe-waiting`) probe with the same report.
    static func registry(_ report: @escaping @Sendable (StepContext) -> JSONValue) -> ProviderRegistry {
        var registry = ProviderRegistry.builtIn
        registry.register(ProbeProvider(name: "probe-instant", mayWait: false, report: report))
        registry.register(ProbeProvider(name: "probe-waiting", mayWait: true, report: report))
        return registry
    }
}

@Suite struct FirstCheckpointTests {
    /// Probes whose output says whether the run's live record exists while the step runs, and its status.
    func registry(_ root: TemporaryRoot) -> ProviderRegistry {
        let folder = root.path
        return ProbeProvider.registry { context in
            let fs = PosixFileSystem()
            let path = Path.join(folder, "outbox/running/\(context.runId).json")
            var report: [String: JSONValue] = ["live": false]
            if let bytes = try? fs.readFile(path), let json = try? JSONParser.parse(bytes) {
                report = ["live": true, "status": json["status"] ?? .null]
            }
            // Steps the checkpoint log shows succeeded, if it holds the run.
            for runner in (try? fs.list(Path.join(folder, "outbox/checkpoints"))) ?? [] {
                let entries = CheckpointLog.read(folder: Path.join(folder, "outbox/checkpoints", runner.name), fileSystem: fs)
                if let entry = entries[context.runId] {
                    report["logged"] = .int((entry.record["steps"]?.arrayValue ?? []).filter { $0["status"] == "succeeded" }.count)
                    report["claim"] = entry.claim.map(JSONValue.string) ?? .null
                }
            }
            return .object(report)
        }
    }

    @Test func aStepThatMayWaitRunsWithTheRecordPublishedAnInstantFirstStepWithTheClaimStandingForIt() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "waits.json",
            RequestText.make(
                id: "waits",
                steps: [
                    #"{"id": "first", "provider": "probe-waiting"}"#, #"{"id": "second", "provider": "probe-instant"}"#,
                ]))
        try root.drop(
            "instant.json",
            RequestText.make(
                id: "instant",
                steps: [
                    #"{"id": "first", "provider": "probe-instant"}"#, #"{"id": "second", "provider": "probe-instant"}"#,
                ]))
        let summary = try await root.runOnce(registry: registry(root))
        #expect(summary.count(.succeeded) == 2)
        let waits = try #require(root.json("outbox/results/waits.json"))
        #expect(
            waits["steps"]?[0]?["output"] == ["live": true, "status": "running", "logged": 0, "claim": .null],
            "the attempt of a step that may wait is counted in the checkpoint log before it runs")
        #expect(
            waits["steps"]?[1]?["output"] == ["live": true, "status": "running", "logged": 1, "claim": .null],
            "before an instant step the state goes to the checkpoint log; the live record stays")
        let instant = try #require(root.json("outbox/results/instant.json"))
        #expect(instant["steps"]?[0]?["output"] == ["live": false], "the claim stands for the run during its first instant step")
        #expect(
            instant["steps"]?[1]?["output"] == ["live": false, "logged": 1, "claim": "instant.json"],
            "the first step's output was in the checkpoint log before the second ran; the claim still stood for the run")
        #expect(root.list("outbox/running").isEmpty)
        #expect(root.list("outbox/checkpoints").isEmpty, "a clean stop leaves no checkpoint log")
        #expect(
            root.auditEventNames(runId: "instant") == [
                "run.queued", "run.started", "step.started", "step.succeeded", "step.started", "step.succeeded", "run.succeeded",
            ])
    }

    @Test func aRunWhoseInstantFirstStepWaitsToRetryShowsAsRunningMeanwhile() async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock(start: Date())
        try root.drop(
            "retrying.json",
            RequestText.make(
                id: "retrying",
                steps: [
                    #"{"id": "flaky", "provider": "fail", "with": {"code": "busy", "retryable": true, "times": 1}, "retry": {"maxAttempts": 2, "backoffMs": 60000}}"#
                ]))
        let run = Task { try await root.runOnce(clock: clock) }
        #expect(await clock.waitForSleep(ms: 60000), "the run waits out its backoff")
        let live = root.json("outbox/running/retrying.json")
        #expect(live?["status"] == "running")
        #expect(live?["steps"]?[0]?["attempts"] == 1)
        #expect(root.list("outbox/claimed").allSatisfy { root.list("outbox/claimed/\($0)").isEmpty }, "the record replaced the claim")
        clock.advance(by: .seconds(60))
        #expect(try await run.value.count(.succeeded) == 1)
    }

    @Test func aRunWhoseNewestStateIsOnlyInTheLogPublishesItBeforeWaitingToRetry() async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock(start: Date())
        try root.drop(
            "retrying.json",
            RequestText.make(
                id: "retrying",
                steps: [
                    #"{"id": "slow", "provider": "probe-waiting"}"#, #"{"id": "quick", "provider": "echo"}"#,
                    #"{"id": "flaky", "provider": "fail", "with": {"code": "busy", "retryable": true, "times": 1}, "retry": {"maxAttempts": 2, "backoffMs": 45000}}"#,
                ]))
        let run = Task { try await root.runOnce(clock: clock, registry: ProbeProvider.registry { _ in "ok" }) }
        #expect(await clock.waitForSleep(ms: 45000), "the run waits out its backoff (not the step time limit, 60 s)")
        let live = root.json("outbox/running/retrying.json")
        #expect(
            live?["steps"]?.arrayValue?.map { $0["status"] } == ["succeeded", "succeeded", "running"],
            "the live record shows the step that went only to the checkpoint log")
        #expect(live?["steps"]?[2]?["attempts"] == 1)
        clock.advance(by: .seconds(45))
        #expect(try await run.value.count(.succeeded) == 1)
    }
}

@Suite struct CancelBoardTests {
    @Test func aCancelAnotherProcessFiledAMomentAgoStillStopsARunBeforeItsFirstStep() async throws {
        let root = try TemporaryRoot()
        var context = root.engine()
        defer { context.audit.close() }
        context.cancelBoard = CancelBoard(validity: .seconds(3600))
        try context.layout.createFolders(PosixFileSystem())
        #expect(!context.cancelBoard.isRequested("late", folder: context.layout.cancels, fileSystem: PosixFileSystem()), "listed: no markers")
        try root.drop("late.json", RequestText.make(id: "late", steps: [#"{"id": "s", "provider": "echo"}"#]))
        try root.write("outbox/cancels/late.json", #"{"runId": "late", "by": "other process"}"#)
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.count(.cancelled) == 1)
        #expect(root.json("outbox/results/late.json")?["steps"]?[0]?["status"] == "skipped")
        #expect(!root.auditEventNames(runId: "late").contains("step.started"))
    }

    @Test func aMarkerLeftForAnEarlierRequestCancelsNothingEvenWhenTheListingStillShowsIt() async throws {
        let root = try TemporaryRoot()
        var context = root.engine()
        defer { context.audit.close() }
        context.cancelBoard = CancelBoard(validity: .seconds(3600))
        let fs = PosixFileSystem()
        try context.layout.createFolders(fs)
        try root.write("outbox/cancels/again.json", #"{"runId": "again"}"#)
        try fs.setModified(root.file("outbox/cancels/again.json"), to: Date().addingTimeInterval(-3600))
        #expect(context.cancelBoard.isRequested("again", folder: context.layout.cancels, fileSystem: fs), "listed with the old marker")
        try root.drop("again.json", RequestText.make(id: "again", steps: [#"{"id": "s", "provider": "echo"}"#, #"{"id": "t", "provider": "echo"}"#]))
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.count(.succeeded) == 1)
        #expect(!root.exists("outbox/cancels/again.json"))
    }

    @Test func aListingIsTrustedForItsValidityAndOwnMarkersAreKnownAtOnce() throws {
        let root = try TemporaryRoot()
        let fs = PosixFileSystem()
        let folder = root.layout.cancels
        try fs.makeDirectory(folder)
        let board = CancelBoard(validity: .seconds(3600))
        #expect(!board.isRequested("a", folder: folder, fileSystem: fs))
        try root.write("outbox/cancels/a.json", "{}")
        #expect(!board.isRequested("a", folder: folder, fileSystem: fs), "the listing is still trusted")
        board.noteMarker("a")
        #expect(board.isRequested("a", folder: folder, fileSystem: fs))

        let eager = CancelBoard(validity: .zero)
        #expect(eager.isRequested("a", folder: folder, fileSystem: fs))
        try root.write("outbox/cancels/.b.json.tmp", "{}")
        try root.write("outbox/cancels/c.json", "{}")
        #expect(!eager.isRequested("b", folder: folder, fileSystem: fs), "temporary files are not markers")
        #expect(eager.isRequested("c", folder: folder, fileSystem: fs))
        try fs.remove(root.file("outbox/cancels/c.json"))
        #expect(!eager.isRequested("c", folder: folder, fileSystem: fs))
        board.forget("a")
        #expect(!board.isRequested("a", folder: folder, fileSystem: fs), "forgotten, until the next listing")
    }
}

/// What each strict-mode flush covers: a recording flush notes what is on disk when it happens.
@Suite struct StrictCommitPointTests {
    @Test func aRunnerThatLosesItsLeaseDuringAFlushPublishesNothingAfterIt() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "paused.json", RequestText.make(id: "paused", steps: [#"{"id": "a", "provider": "echo"}"#, #"{"id": "b", "provider": "echo"}"#]))
        var configuration = Configuration.fastForTests
        configuration.durability = .strict
        var context = root.engine(configuration: configuration)
        defer { context.audit.close() }
        context.leaseCheck = LeaseCheck(validity: .zero)
        let heartbeat = Path.join(context.layout.runners, context.identity.folderName + ".json")
        // While the runner waits in its first flush, another runner declares it dead (removes its heartbeat).
        context.groupCommit = GroupCommit(root: root.path) { _ in
            unlink(heartbeat)
            return 0
        }
        _ = try? await Runner(context: context).runOnce()
        #expect(!root.exists("outbox/running/paused.json"), "no live record published after the lease was lost")
        #expect(!root.exists("outbox/results/paused.json"))
        #expect(root.list("outbox/running").isEmpty, "its temporary file was removed")
    }

    final class FlushLog: Sendable {
        struct Snapshot: Sendable {
            /// Steps the live record shows succeeded (nil: no live record).
            var liveSucceeded: Int?
            /// Steps the checkpoint log's last line for the run shows succeeded (nil: no line).
            var loggedSucceeded: Int?
            var resultExists: Bool
        }
        let root: String
        let runId: String
        private let snapshots = Mutex<[Snapshot]>([])
        init(root: String, runId: String) {
            self.root = root
            self.runId = runId
        }
        func flush() {
            let fs = PosixFileSystem()
            let live = (try? fs.readFile(Path.join(root, "outbox/running/\(runId).json"))).flatMap { try? JSONParser.parse($0) }
            func succeeded(_ record: JSONValue) -> Int { (record["steps"]?.arrayValue ?? []).filter { $0["status"] == "succeeded" }.count }
            var logged: Int?
            for runner in (try? fs.list(Path.join(root, "outbox/checkpoints"))) ?? [] {
                if let entry = CheckpointLog.read(folder: Path.join(root, "outbox/checkpoints", runner.name), fileSystem: fs)[runId] {
                    logged = succeeded(entry.record)
                }
            }
            let snapshot = Snapshot(
                liveSucceeded: live.map(succeeded), loggedSucceeded: logged,
                resultExists: fs.exists(Path.join(root, "outbox/results/\(runId).json")))
            snapshots.withLock { $0.append(snapshot) }
        }
        var all: [Snapshot] { snapshots.withLock { $0 } }
    }

    @Test func aStepThatMayWaitStartsOnlyAfterTheCheckpointBeforeItIsDurableAndTheResultIsDurableBeforeTheRunIsReported() async throws {
        let root = try TemporaryRoot()
        let log = FlushLog(root: root.path, runId: "strict")
        // Each probe reports what the last flush covered.
        let registry = ProbeProvider.registry { _ in
            guard let last = log.all.last else { return ["flushes": 0] }
            return [
                "flushes": .int(log.all.count), "liveSucceeded": last.liveSucceeded.map { .int($0) } ?? .null,
                "loggedSucceeded": last.loggedSucceeded.map { .int($0) } ?? .null,
            ]
        }
        try root.drop(
            "strict.json",
            RequestText.make(
                id: "strict",
                steps: [
                    #"{"id": "a", "provider": "echo"}"#, #"{"id": "b", "provider": "probe-instant"}"#,
                    #"{"id": "c", "provider": "probe-instant"}"#, #"{"id": "d", "provider": "probe-waiting"}"#,
                    #"{"id": "e", "provider": "probe-instant"}"#,
                ]))
        var configuration = Configuration.fastForTests
        configuration.durability = .strict
        var context = root.engine(configuration: configuration, registry: registry)
        context.groupCommit = GroupCommit(root: root.path) { _ in
            log.flush()
            return 0
        }
        defer { context.audit.close() }
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.count(.succeeded) == 1)
        let result = try #require(root.json("outbox/results/strict.json"))
        let outputs = (result["steps"]?.arrayValue ?? []).map { $0["output"] ?? .null }
        // Between instant steps the states go to the checkpoint log unflushed: no flush before c.
        #expect(outputs[2] == ["flushes": 0])
        // Before step d, which may wait, the record showing a, b and c succeeded was flushed.
        #expect(outputs[3]["liveSucceeded"] == 3)
        #expect(outputs[3]["loggedSucceeded"] == 3, "the log's last line is as new as the record it published")
        // After d (it may wait, so running it again after a power cut would cost), its state is flushed before e starts,
        // in the log (e finishes at once).
        #expect(outputs[4]["loggedSucceeded"] == 4)
        #expect(outputs[4]["liveSucceeded"] == 3)
        // The run was reported only after a flush that saw its result in place.
        #expect(log.all.last?.resultExists == true)
        #expect(log.all.last?.liveSucceeded == nil, "the live record was removed")
        #expect(root.list("outbox/running").isEmpty, "superseded versions were removed before run --once returned")
    }
}
