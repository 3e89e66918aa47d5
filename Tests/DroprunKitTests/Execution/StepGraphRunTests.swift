import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

/// Workflows with `needs`, `when` and `onFailure`, run for real.
@Suite struct StepGraphRunTests {
    func run(_ steps: [String], extra: String = "", input: String = "{}", id: String = "g1") async throws -> (TemporaryRoot, JSONValue) {
        let root = try TemporaryRoot()
        let request = #"{"id": "\#(id)", "workflow": {"name": "g"\#(extra), "steps": [\#(steps.joined(separator: ", "))]}, "input": \#(input)}"#
        try root.drop("\(id).json", request)
        let engine = root.engine()
        defer { engine.audit.close() }
        _ = try await Runner(context: engine).runOnce()
        return (root, try #require(root.json("outbox/results/\(id).json"), "no result: \(root.list("outbox/rejected"))"))
    }

    func step(_ record: JSONValue, _ id: String) -> JSONValue? { record["steps"]?.arrayValue?.first { $0["id"]?.stringValue == id } }

    @Test func aDiamondRunsEachStepOnceAfterWhatItNeeds() async throws {
        let (root, record) = try await run([
            #"{"id": "a", "provider": "echo", "with": {"n": 1}}"#,
            #"{"id": "b", "provider": "echo", "needs": ["a"], "with": {"from": "{{steps.a.output.n}}"}}"#,
            #"{"id": "c", "provider": "echo", "needs": ["a"], "with": {"also": "{{steps.a.output.n}}"}}"#,
            #"{"id": "d", "provider": "echo", "needs": ["b", "c"], "with": {"b": "{{steps.b.output.from}}", "c": "{{steps.c.output.also}}"}}"#,
        ])
        #expect(record["status"] == "succeeded", "\(record)")
        #expect(record["output"] == ["b": 1, "c": 1])
        let started = root.auditEventNames(runId: "g1").filter { $0 == "step.started" }
        #expect(started.count == 4)
    }

    @Test func whenBranchesOnAnEarlierOutputAndTheSkipSaysWhy() async throws {
        let (root, record) = try await run(
            [
                #"{"id": "review", "provider": "echo", "with": {"decision": "{{input.decision}}"}}"#,
                #"{"id": "publish", "provider": "echo", "needs": ["review"], "when": {"equals": ["{{steps.review.output.decision}}", "approve"]}, "with": {"published": true}}"#,
                #"{"id": "discard", "provider": "echo", "needs": ["review"], "when": {"equals": ["{{steps.review.output.decision}}", "reject"]}, "with": {"discarded": true}}"#,
                #"{"id": "archive", "provider": "echo", "needs": ["discard"], "with": {"archived": true}}"#,
                #"{"id": "report", "provider": "echo", "needs": ["publish", "discard"], "when": {"any": [{"exists": "{{steps.publish.output}}"}, {"exists": "{{steps.discard.output}}"}]}, "with": {"done": true}}"#,
            ], input: #"{"decision": "approve"}"#)
        #expect(record["status"] == "succeeded", "\(record)")
        #expect(step(record, "publish")?["status"] == "succeeded")
        #expect(step(record, "discard")?["status"] == "skipped")
        #expect(step(record, "discard")?["skipReason"] == "condition")
        #expect(step(record, "discard")?["skipDetail"]?.stringValue?.contains(#"{"equals":["{{steps.review.output.decision}}","reject"]}"#) == true)
        #expect(step(record, "archive")?["skipReason"] == "need_skipped")
        #expect(step(record, "archive")?["skipDetail"] == "it needs 'discard', which skipped")
        #expect(step(record, "report")?["status"] == "succeeded", "a step with its own when decides for itself")
        #expect(record["output"] == ["done": true])
        let skipped = root.auditEvents().filter { $0["event"] == "step.skipped" }
        #expect(skipped.map { $0["data"]?["reason"] } == ["condition", "need_skipped"])
        let show = await CLITester(root: root.path).run(["show", "g1"])
        #expect(
            show.stdout.contains(#"skipped    condition: when {"equals":["{{steps.review.output.decision}}","reject"]} did not hold"#),
            "\(show.stdout)")
        #expect(show.stdout.contains("skipped    need_skipped: it needs 'discard', which skipped"), "\(show.stdout)")
    }

    @Test func onFailureStepsRunWhenTheRunFailsAndSeeTheError() async throws {
        let (_, record) = try await run(
            [
                #"{"id": "fetch", "provider": "fail", "with": {"code": "upstream_down", "message": "no answer"}}"#,
                #"{"id": "use", "provider": "echo", "with": {"x": "{{steps.fetch.output}}"}}"#,
                #"{"id": "tell", "provider": "echo", "with": {"said": "{{run.error.code}} in {{run.error.step}}: {{run.error.message}}"}}"#,
                #"{"id": "tidy", "provider": "echo", "with": {"after": "{{steps.tell.output.said}}"}}"#,
            ], extra: #", "onFailure": ["tell", "tidy"]"#)
        #expect(record["status"] == "failed")
        #expect(record["error"]?["code"] == "upstream_down", "the run fails with the failure that started the onFailure steps")
        #expect(record["error"]?["step"] == "fetch")
        #expect(step(record, "use")?["status"] == "skipped")
        #expect(step(record, "use")?["skipReason"] == nil, "the run's status says why")
        #expect(step(record, "tell")?["output"] == ["said": "upstream_down in fetch: no answer"])
        #expect(step(record, "tidy")?["output"] == ["after": "upstream_down in fetch: no answer"])
    }

    @Test func aFailingOnFailureStepDoesNotChangeTheRunsError() async throws {
        let (_, record) = try await run(
            [
                #"{"id": "a", "provider": "fail", "with": {"code": "first", "message": "one"}}"#,
                #"{"id": "tell", "provider": "fail", "with": {"code": "second", "message": "two"}}"#,
                #"{"id": "tidy", "provider": "echo", "with": {}}"#,
            ], extra: #", "onFailure": ["tell", "tidy"]"#)
        #expect(record["error"]?["code"] == "first")
        #expect(step(record, "tell")?["status"] == "failed")
        #expect(step(record, "tidy")?["skipReason"] == "need_skipped", "tidy needs tell (the one before it among the onFailure steps)")
    }

    @Test func inARunThatSucceedsTheOnFailureStepsAreSkipped() async throws {
        let (_, record) = try await run(
            [#"{"id": "a", "provider": "echo", "with": {"ok": 1}}"#, #"{"id": "tell", "provider": "echo", "with": {}}"#],
            extra: #", "onFailure": ["tell"]"#)
        #expect(record["status"] == "succeeded")
        #expect(step(record, "tell")?["skipReason"] == "run_did_not_fail")
        #expect(record["output"] == ["ok": 1], "the output is the last step that ran")
    }

    @Test func aWhenOnAnOnFailureStepSeesTheError() async throws {
        let (_, record) = try await run(
            [
                #"{"id": "a", "provider": "fail", "with": {"code": "quota", "message": "q"}}"#,
                #"{"id": "page", "provider": "echo", "when": {"equals": ["{{run.error.code}}", "disk_full"]}, "with": {}}"#,
                #"{"id": "mail", "provider": "echo", "needs": [], "when": {"in": ["{{run.error.code}}", ["quota", "disk_full"]]}, "with": {}}"#,
            ], extra: #", "onFailure": ["page", "mail"]"#)
        #expect(step(record, "page")?["skipReason"] == "condition")
        #expect(step(record, "mail")?["status"] == "succeeded")
    }

    @Test(arguments: ["approve", "reject"])
    func anApprovalThatContinuesOnARejectionBranchesOnTheDecision(_ verb: String) async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        let steps = [
            #"{"id": "ok", "provider": "approval", "with": {"message": "publish?", "onReject": "continue"}}"#,
            #"{"id": "publish", "provider": "echo", "needs": ["ok"], "when": {"equals": ["{{steps.ok.output.decision}}", "approve"]}, "with": {"published": true}}"#,
            #"{"id": "shelve", "provider": "echo", "needs": ["ok"], "when": {"equals": ["{{steps.ok.output.decision}}", "reject"]}, "with": {"shelved": "{{steps.ok.output.note}}"}}"#,
        ]
        try root.drop("b1.json", RequestText.make(id: "b1", steps: steps))
        let cli = CLITester(root: root.path, variables: ["USER": "alice"])
        _ = await cli.run(["run", "--once"])
        #expect(await cli.run([verb, "b1", "--note", "not now"]).code == .success)
        let ran = await cli.run(["run", "--once"])
        #expect(ran.code == .success, "\(ran.stdout)")
        let record = try #require(root.json("outbox/results/b1.json"))
        #expect(record["status"] == "succeeded")
        #expect(step(record, "ok")?["output"]?["decision"]?.stringValue == verb)
        #expect(step(record, "publish")?["status"] == (verb == "approve" ? "succeeded" : "skipped"))
        #expect(step(record, "shelve")?["status"] == (verb == "reject" ? "succeeded" : "skipped"))
        if verb == "reject" { #expect(record["output"] == ["shelved": "not now"]) }
        let received = root.auditEvents().first { $0["event"] == "approval.received" }
        #expect(received?["data"]?["decision"]?.stringValue == verb)
    }

    @Test func onRejectIsFailOrContinue() {
        let decoder = RequestDecoder(configuration: .fastForTests, registry: .builtIn)
        let text = RequestText.make(steps: [#"{"id": "ok", "provider": "approval", "with": {"message": "m", "onReject": "skip"}}"#])
        guard case .failure(let rejection) = decoder.decode(Array(text.utf8), fileName: "r.json") else {
            Issue.record("accepted")
            return
        }
        let issues = rejection.issues.map(\.description).joined(separator: "\n")
        #expect(issues.contains("$.workflow.steps[0].with.onReject"), "\(issues)")
    }

    /// What a rejection does is read as written when the decision arrives: a reference there is refused at the drop.
    @Test func onRejectCannotBeAReference() {
        let decoder = RequestDecoder(configuration: .fastForTests, registry: .builtIn)
        let text = RequestText.make(steps: [#"{"id": "ok", "provider": "approval", "with": {"message": "m", "onReject": "{{input.mode}}"}}"#])
        guard case .failure(let rejection) = decoder.decode(Array(text.utf8), fileName: "r.json") else {
            Issue.record("accepted")
            return
        }
        let issues = rejection.issues.map(\.description).joined(separator: "\n")
        #expect(issues.contains("$.workflow.steps[0].with.onReject: write 'fail' or 'continue' here, not a reference"), "\(issues)")
        #expect(!issues.contains("unknown"), "reported once: \(issues)")
    }

    /// A run taken over in its failure phase (a step failed, an onFailure step was in flight) goes on with the
    /// onFailure steps, from the failure in its record; the failed step does not run again.
    @Test func aRunTakenOverInItsFailurePhaseGoesOnWithTheOnFailureSteps() async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock(start: Date())
        let text = RequestText.make(
            id: "late",
            steps: [
                #"{"id": "fetch", "provider": "fail", "with": {"code": "upstream_down", "message": "no answer"}}"#,
                #"{"id": "use", "provider": "echo", "with": {"x": "{{steps.fetch.output}}"}}"#,
                #"{"id": "tell", "provider": "echo", "with": {"said": "{{run.error.code}} in {{run.error.step}}"}}"#,
                #"{"id": "tidy", "provider": "echo", "with": {"after": "{{steps.tell.output.said}}"}}"#,
            ]
        ).replacingOccurrences(of: #""version": "1","#, with: #""version": "1", "onFailure": ["tell", "tidy"],"#)
        try root.write("outbox/requests/late.json", text)
        guard
            case .success(.run(let decoded, _)) = RequestDecoder(configuration: .fastForTests, registry: .builtIn).decode(
                Array(text.utf8), fileName: "late.json")
        else {
            Issue.record("the request did not decode")
            return
        }
        var record = RunRecord(
            runId: "late", workflow: decoded.workflow, requestFile: "late.json", requestSHA256: "", requestSize: 0, receivedAt: clock.now(),
            createdAt: clock.now())
        try record.apply(.start)
        record.startedAt = clock.now()
        record.runner = RunnerIdentity(host: "otherhost", pid: 77).actor
        try record.steps[0].apply(.fail(StepFailure(StepFailure.Code(rawValue: "upstream_down"), "no answer")), at: clock.now())
        try record.steps[2].apply(.start, at: clock.now())
        try root.write("outbox/running/late.json", JSONWriter.pretty(record.json))
        clock.advance(by: .seconds(60))
        let summary = try await root.runOnce(clock: clock)
        #expect(summary.count(.failed) == 1, "\(summary)")
        let result = try #require(root.json("outbox/results/late.json"))
        #expect(result["error"]?["code"] == "upstream_down")
        #expect(result["error"]?["step"] == "fetch")
        #expect(step(result, "fetch")?["attempts"] == 1, "the failed step did not run again")
        #expect(step(result, "use")?["status"] == "skipped")
        #expect(step(result, "tell")?["attempts"] == 2, "the interrupted onFailure step ran again")
        #expect(step(result, "tell")?["output"] == ["said": "upstream_down in fetch"])
        #expect(step(result, "tidy")?["output"] == ["after": "upstream_down in fetch"])
    }

    /// An approval among the onFailure steps makes the failing run wait; approved, its onFailure steps go on and
    /// the run still fails with its first failure.
    @Test func anApprovalAmongTheOnFailureStepsMakesTheFailingRunWait() async throws {
        let root = try TemporaryRoot()
        let text = RequestText.make(
            id: "ask",
            steps: [
                #"{"id": "fetch", "provider": "fail", "with": {"code": "upstream_down", "message": "no answer"}}"#,
                #"{"id": "ok", "provider": "approval", "with": {"message": "roll back after {{run.error.code}}?"}}"#,
                #"{"id": "rollback", "provider": "echo", "with": {"by": "{{steps.ok.output.by}}"}}"#,
            ]
        ).replacingOccurrences(of: #""version": "1","#, with: #""version": "1", "onFailure": ["ok", "rollback"],"#)
        try root.drop("ask.json", text)
        _ = try await root.runOnce()
        let waiting = try #require(root.json("outbox/running/ask.json"))
        #expect(waiting["status"] == "waiting_approval")
        #expect(waiting["approval"]?["message"] == "roll back after upstream_down?")
        try root.drop("yes.json", #"{"kind": "approval", "runId": "ask", "decision": "approve", "by": "ops"}"#)
        _ = try await root.runOnce()
        let result = try #require(root.json("outbox/results/ask.json"))
        #expect(result["status"] == "failed")
        #expect(result["error"]?["code"] == "upstream_down")
        #expect(step(result, "rollback")?["output"] == ["by": "ops"])
    }

    /// A rejection (without onReject: continue) or an expiry fails the approval step; a workflow with onFailure
    /// steps runs them first, and then the run fails with the approval's failure.
    @Test(arguments: ["reject", "expire"])
    func aRejectedOrExpiredApprovalRunsTheOnFailureSteps(_ how: String) async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock()
        let text = RequestText.make(
            id: "rj",
            steps: [
                #"{"id": "ok", "provider": "approval", "with": {"message": "ship?", "expiresAfterSeconds": 60}}"#,
                #"{"id": "ship", "provider": "echo", "with": {"shipped": true}}"#,
                #"{"id": "tell", "provider": "echo", "with": {"why": "{{run.error.code}} at {{run.error.step}}"}}"#,
            ]
        ).replacingOccurrences(of: #""version": "1","#, with: #""version": "1", "onFailure": ["tell"],"#)
        try root.drop("rj.json", text)
        try await root.runOnce(clock: clock)
        #expect(root.json("outbox/running/rj.json")?["status"] == "waiting_approval")
        if how == "reject" {
            try root.drop("no.json", #"{"kind": "approval", "runId": "rj", "decision": "reject", "by": "ops"}"#)
        } else {
            clock.advance(by: .seconds(61))
        }
        try await root.runOnce(clock: clock)
        let record = try #require(root.json("outbox/results/rj.json"), "\(root.list("outbox/running"))")
        let code = how == "reject" ? "approval_rejected" : "approval_expired"
        #expect(record["status"] == "failed")
        #expect(record["error"]?["code"]?.stringValue == code)
        #expect(record["error"]?["step"] == "ok")
        #expect(step(record, "ship")?["status"] == "skipped")
        #expect(step(record, "tell")?["output"] == ["why": .string("\(code) at ok")])
        let names = root.auditEventNames(runId: "rj")
        #expect(names.contains("run.resumed"), "released to run its onFailure steps: \(names)")
        #expect(names.filter { $0 == "step.failed" }.count == 1)
        if how == "reject" { #expect(names.contains("approval.received")) }
    }
}
