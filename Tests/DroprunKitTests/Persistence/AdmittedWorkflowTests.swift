import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A run keeps the workflow definition it was admitted with, whatever happens to the named workflow's file later.
@Suite(.serialized) struct AdmittedWorkflowTests {
    // MARK: - In-process: recovery, retry, damaged records

    /// A run's runner died between reserving the run id and writing anything else: the claim is taken over, and the
    /// definition kept at the reservation (not the file as it is now) is the run's.
    @Test func aRecoveredClaimRunsTheDefinitionKeptWhenItWasReserved() async throws {
        let root = try NamedWorkflow.root(workflow: NamedWorkflow.approvalThenEcho)
        try root.drop("r.json", #"{"id": "r", "workflow": "w", "input": {"x": 7}}"#)
        // Dies just before the audit's run.queued: the claim, the kept request and the kept definition are on disk.
        let fs = FaultyFileSystem([.kills(before: "append", pathContains: "outbox/audit")])
        let dead = root.engine(fileSystem: fs, identity: RunnerIdentity(host: "testhost", pid: 1))
        _ = try? await Runner(context: dead).runOnce()
        #expect(root.exists("outbox/requests/r~workflow.json"))
        #expect(!root.exists("outbox/running/r.json"))
        try root.write("workflows/w.json", #"{"name": "w", "version": "9", "steps": [{"id": "other", "provider": "echo"}]}"#)
        let context = root.engine(identity: RunnerIdentity(host: "testhost", pid: 2))
        context.liveness.bury("testhost-1")
        _ = try await Runner(context: context).runOnce()
        let record = try #require(root.json("outbox/running/r.json"))
        #expect(record["status"] == "waiting_approval")
        #expect(record["workflow"]?["version"] == "1")
        #expect(record["workflow"]?["sha256"]?.stringValue == (try NamedWorkflow.sha(NamedWorkflow.approvalThenEcho)))
    }

    /// A runner dies as it writes the result of a run of instant steps (its state only in its claim and checkpoint log);
    /// the file is edited; the runner that takes the run over from the log line finishes it with the admitted definition.
    @Test func aRunTakenOverFromACheckpointLogLineRunsItsAdmittedDefinition() async throws {
        let root = try NamedWorkflow.root(
            workflow: #"""
                {"name": "w", "version": "1", "steps": [
                  {"id": "a", "provider": "template", "with": {"template": "A"}},
                  {"id": "b", "provider": "template", "with": {"template": "B {{steps.a.output.text}}"}},
                  {"id": "c", "provider": "template", "with": {"template": "C {{steps.b.output.text}}"}}]}
                """#)
        try root.drop("r.json", #"{"id": "r", "workflow": "w"}"#)
        let fs = FaultyFileSystem([.kills(before: "link", pathContains: "outbox/results/r.json")])
        _ = try? await Runner(context: root.engine(fileSystem: fs, identity: RunnerIdentity(host: "testhost", pid: 1))).runOnce()
        #expect(!root.list("outbox/checkpoints").isEmpty, "the dead runner's log is left")
        #expect(!root.exists("outbox/running/r.json"))
        try root.write(
            "workflows/w.json",
            #"{"name": "w", "version": "2", "steps": [{"id": "a", "provider": "template", "with": {"template": "A"}}, {"id": "x", "provider": "echo"}]}"#
        )
        let context = root.engine(identity: RunnerIdentity(host: "testhost", pid: 2))
        context.liveness.bury("testhost-1")
        _ = try await Runner(context: context).runOnce()
        let result = try #require(root.json("outbox/results/r.json"))
        #expect(result["status"] == "succeeded")
        #expect(result["steps"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["a", "b", "c"])
        #expect(result["output"]?["text"] == "C B A")
        #expect(result["workflow"]?["version"] == "1")
    }

    @Test func retryRunsTheDefinitionTheRetriedRunWasAdmittedWith() async throws {
        let root = try NamedWorkflow.root(workflow: #"{"name": "w", "version": "1", "steps": [{"id": "s", "provider": "echo", "with": {"v": 1}}]}"#)
        try root.drop("r.json", #"{"id": "r", "workflow": "w"}"#)
        let cli = CLITester(root: root.path)
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/results/r.json")?["output"]?["v"] == 1)
        try root.write("workflows/w.json", #"{"name": "w", "version": "2", "steps": [{"id": "t", "provider": "echo", "with": {"v": 2}}]}"#)
        let retried = await cli.run(["retry", "r"])
        #expect(retried.code == .success, "\(retried.stderr)")
        #expect(retried.stdout == "r.r1\n")
        _ = await cli.run(["run", "--once"])
        let result = try #require(root.json("outbox/results/r.r1.json"))
        #expect(result["output"]?["v"] == 1)
        #expect(result["workflow"]?["version"] == "1")
        #expect(result["workflow"]?["sha256"] == root.json("outbox/results/r.json")?["workflow"]?["sha256"])
        #expect(result["workflow"]?["latest"] == nil)
        // A retry of the retry still runs the first definition.
        _ = await cli.run(["retry", "r.r1"])
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/results/r.r2.json")?["output"]?["v"] == 1)
    }

    @Test func retryLatestRunsTheFileAsItIsNowAndSaysSo() async throws {
        let root = try NamedWorkflow.root(workflow: #"{"name": "w", "version": "1", "steps": [{"id": "s", "provider": "echo", "with": {"v": 1}}]}"#)
        try root.drop("r.json", #"{"id": "r", "workflow": "w"}"#)
        let cli = CLITester(root: root.path)
        _ = await cli.run(["run", "--once"])
        let now = #"{"name": "w", "version": "2", "steps": [{"id": "t", "provider": "echo", "with": {"v": 2}}]}"#
        try root.write("workflows/w.json", now)
        let retried = await cli.run(["retry", "--latest", "r"])
        #expect(retried.code == .success, "\(retried.stderr)")
        #expect(retried.stdout == "r.r1\n", "standard output stays the run id alone")
        #expect(
            retried.stderr.contains("--latest: r.r1 runs workflows/w.json as it is now (version 2, sha256 \(try NamedWorkflow.sha(now))"),
            "\(retried.stderr)")
        _ = await cli.run(["run", "--once"])
        let result = try #require(root.json("outbox/results/r.r1.json"))
        #expect(result["output"]?["v"] == 2)
        #expect(result["workflow"]?["version"] == "2")
        #expect(result["workflow"]?["latest"] == true)
        #expect(result["workflow"]?["sha256"]?.stringValue == (try NamedWorkflow.sha(now)))
        #expect(root.auditEvents().contains { $0["event"] == "run.queued" && $0["runId"] == "r.r1" && $0["data"]?["latest"] == true })
    }

    @Test func retryOfARunWhoseKeptDefinitionIsGoneSaysToUseLatest() async throws {
        let root = try NamedWorkflow.root(workflow: #"{"name": "w", "steps": [{"id": "s", "provider": "echo"}]}"#)
        try root.drop("r.json", #"{"id": "r", "workflow": "w"}"#)
        let cli = CLITester(root: root.path)
        _ = await cli.run(["run", "--once"])
        try FileManager.default.removeItem(atPath: root.file("outbox/requests/r~workflow.json"))
        let retried = await cli.run(["retry", "r"])
        #expect(retried.code == .failure)
        #expect(retried.stderr.contains("is gone") && retried.stderr.contains("droprun retry --latest r"), "\(retried.stderr)")
        #expect(!root.exists("outbox/requests/r.r1.json"))
    }

    /// A record whose steps are not its definition's (edited by hand, or damaged) fails that run with
    /// `workflow_mismatch`; the runner goes on with the others.
    @Test(arguments: ["fewer", "more", "renamed"])
    func aRecordWhoseStepsDoNotMatchItsDefinitionFailsThatRunOnly(change: String) async throws {
        let root = try TemporaryRoot()
        let text = RequestText.make(
            id: "bad", steps: [#"{"id": "a", "provider": "echo", "with": {"v": 1}}"#, #"{"id": "b", "provider": "delay", "with": {"ms": 1}}"#])
        // A queued run nobody holds (as `retry` leaves one), its record changed by hand.
        let decoded = RequestDecoder(configuration: .fastForTests, registry: .builtIn).decode(Array(text.utf8), fileName: "bad.json")
        guard case .success(.run(let request, _)) = decoded else {
            Issue.record("\(decoded)")
            return
        }
        try root.write("outbox/requests/bad.json", text)
        var record = RunRecord(
            runId: "bad", workflow: request.workflow, requestFile: "bad.json", requestSHA256: SHA256.hex(Array(text.utf8)),
            requestSize: text.utf8.count, receivedAt: Date(), createdAt: Date())
        switch change {
        case "fewer": record.steps.removeLast()
        case "more": record.steps.append(StepRecord(id: "c", provider: "echo"))
        default: record.steps[1] = StepRecord(id: "z", provider: "delay")
        }
        try root.write("outbox/running/bad.json", JSONWriter.pretty(record.json))
        try root.drop("good.json", RequestText.make(id: "good", steps: [#"{"id": "a", "provider": "echo", "with": {"v": 1}}"#]))

        let summary = try await root.runOnce()
        let bad = try #require(root.json("outbox/results/bad.json"), "\(summary)")
        #expect(bad["status"] == "failed")
        #expect(bad["error"]?["code"] == "workflow_mismatch")
        #expect(bad["error"]?["message"]?.stringValue?.contains("droprun retry bad") == true, "\(bad["error"] ?? .null)")
        #expect(root.json("outbox/results/good.json")?["status"] == "succeeded", "the other run goes on")
        #expect(StepFailure.Code(rawValue: "workflow_mismatch") == .workflowMismatch)
    }

    /// A waiting record whose approval names a step it does not have (edited by hand): the approval fails that run with
    /// `workflow_mismatch`, where it used to throw out of the runner; the other drops of the round run.
    @Test(arguments: ["renamed", "removed"])
    func anApprovalForADamagedWaitingRecordFailsThatRunOnly(change: String) async throws {
        let root = try TemporaryRoot()
        try root.drop("r.json", RequestText.make(id: "r", steps: [#"{"id": "ok", "provider": "approval", "with": {"message": "go?"}}"#]))
        try await root.runOnce()
        let path = "outbox/running/r.json"
        guard case .object(var members)? = root.json(path), case .object(var approval)? = members["approval"] else {
            Issue.record("no waiting record")
            return
        }
        if change == "renamed" {
            approval["step"] = "nope"
            members["approval"] = .object(approval)
        } else {
            members["approval"] = nil
            // Without an approval the record is never taken over by expiry; the approval is what finds it.
        }
        try root.write(path, JSONWriter.pretty(.object(members)))
        try root.drop("yes.json", #"{"kind": "approval", "runId": "r", "decision": "approve"}"#)
        try root.drop("other.json", RequestText.make(id: "other", steps: [#"{"id": "a", "provider": "echo"}"#]))
        let summary = try await root.runOnce()
        let result = try #require(root.json("outbox/results/r.json"), "\(summary.outcomes)")
        #expect(result["status"] == "failed")
        #expect(result["error"]?["code"] == "workflow_mismatch")
        #expect(root.json("outbox/results/other.json")?["status"] == "succeeded")
    }

    /// A kept definition changed by hand (its sha256 is not the record's) fails the run when it resumes.
    @Test func aKeptDefinitionThatWasChangedFailsTheRunWithWorkflowMismatch() async throws {
        let root = try NamedWorkflow.root(workflow: NamedWorkflow.approvalThenEcho)
        try root.drop("r.json", #"{"id": "r", "workflow": "w", "input": {"x": 7}}"#)
        let cli = CLITester(root: root.path)
        _ = await cli.run(["run", "--once"])
        try root.write(
            "outbox/requests/r~workflow.json",
            #"{"name":"w","steps":[{"id":"ok","provider":"approval","with":{"message":"go?"}},{"id":"say","provider":"echo"}]}"#)
        _ = await cli.run(["approve", "r"])
        let next = await cli.run(["run", "--once"])
        #expect(next.code == .failure)
        let result = try #require(root.json("outbox/results/r.json"), "\(next.stdout)\(next.stderr)")
        #expect(result["error"]?["code"] == "workflow_mismatch")
        #expect(result["error"]?["message"]?.stringValue?.contains("is not the definition the run was admitted with") == true)
    }
}
