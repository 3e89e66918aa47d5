import Foundation
import Testing

@testable import DroprunKit

/// Every arrow of the run machine with the fields it sets and the events it returns; every illegal arrow throws and changes nothing.
@Suite struct RunTransitionTests {
    static let created = Date(timeIntervalSince1970: 1_767_225_600)
    static let started = created.addingTimeInterval(1)
    static let now = created.addingTimeInterval(10)
    static let runner = RunnerIdentity(host: "h", pid: 1, instance: "i1")
    static let failure = StepFailure(.providerError, "boom")
    static let approval = PendingApproval(
        step: "b", message: "ok?", requestedAt: created.addingTimeInterval(4), expiresAt: created.addingTimeInterval(9))
    static let decision = ApprovalDecision(approve: true, by: "alice", note: "fine", source: ControlSource(file: "ok.json", sha256: "ab"))

    /// Steps a (echo), b (approval), c (echo), queued.
    static func queued() -> RunRecord {
        let workflow = Workflow(
            name: "w",
            steps: [
                StepDefinition(id: "a", provider: "echo"), StepDefinition(id: "b", provider: "approval"), StepDefinition(id: "c", provider: "echo"),
            ])
        return RunRecord(
            runId: "r", workflow: workflow, requestFile: "r.json", requestSHA256: "", requestSize: 0, receivedAt: created, createdAt: created)
    }

    /// Running, held by another runner: a succeeded, b running (one attempt), c pending.
    static func running() throws -> RunRecord {
        var record = queued()
        try record.apply(.start)
        record.startedAt = started
        record.runner = "old:2"
        record.runnerId = "old-2"
        try record.steps[0].apply(.start)
        try record.steps[0].apply(.succeed)
        try record.steps[1].apply(.start)
        record.steps[1].attempts = 1
        record.steps[1].startedAt = started
        return record
    }

    /// Waiting for `approval` at b, held by nobody.
    static func waiting() throws -> RunRecord {
        var record = try running()
        try record.apply(.awaitApproval)
        record.approval = approval
        record.runner = nil
        record.runnerId = nil
        return record
    }

    static func record(in status: RunStatus) throws -> RunRecord {
        switch status {
        case .queued: return queued()
        case .running: return try running()
        case .waitingApproval: return try waiting()
        case .succeeded, .failed, .cancelled:
            var record = try running()
            try record.apply(status == .succeeded ? .succeed : status == .failed ? .fail : .cancel)
            return record
        }
    }

    func apply(_ transition: RunTransition, to record: inout RunRecord) throws -> TransitionEvents {
        try record.apply(transition, at: Self.now, by: Self.runner)
    }

    func expectHeld(_ record: RunRecord) {
        #expect(record.runner == "h:1")
        #expect(record.runnerId == Self.runner.folderName)
    }

    @Test func startSetsTheStartAndTheRunnerAndSaysRunStarted() throws {
        var record = Self.queued()
        let events = try apply(.start, to: &record)
        #expect(record.status == .running)
        #expect(record.startedAt == Self.now)
        expectHeld(record)
        #expect(events == TransitionEvents(now: [.runStarted(runner: "h:1")]))
    }

    @Test func recoverInterruptsRunningStepsAndSaysRunRecovered() throws {
        var record = try Self.running()
        let leftover: JSONValue = ["step": "b", "outcome": "ended"]
        let events = try apply(.recover(previousRunner: "old:2", leftoverProcesses: [leftover]), to: &record)
        #expect(record.status == .running)
        #expect(record.steps.map(\.status) == [.succeeded, .pending, .pending])
        #expect(record.steps[1].attempts == 1)
        #expect(record.startedAt == Self.started)
        expectHeld(record)
        #expect(events == TransitionEvents(now: [.runRecovered(previousRunner: "old:2", interruptedSteps: ["b"], leftoverProcesses: [leftover])]))
    }

    @Test func recoverOfAReleasedRunSaysNothing() throws {
        var record = try Self.running()
        let events = try apply(.recover(previousRunner: nil, leftoverProcesses: []), to: &record)
        #expect(record.steps[1].status == .pending)
        expectHeld(record)
        #expect(events == TransitionEvents())
    }

    @Test func succeedEndsTheRunSkipsWhatIsLeftAndSaysRunSucceededAfterTheWrite() throws {
        var record = try Self.running()
        try record.steps[1].apply(.succeed)
        let events = try apply(.succeed, to: &record)
        #expect(record.status == .succeeded)
        #expect(record.finishedAt == Self.now)
        #expect(record.steps[2].status == .skipped)
        expectHeld(record)
        #expect(events == TransitionEvents(now: [.stepSkipped(step: "c", reason: .runDidNotFail)], afterWrite: [.runSucceeded(durationMs: 9000)]))
    }

    @Test func failSetsTheErrorAndItsStep() throws {
        var record = try Self.running()
        try record.steps[1].apply(.fail(Self.failure), at: Self.now)
        let events = try apply(.fail(Self.failure, step: "b"), to: &record)
        #expect(record.status == .failed)
        #expect(record.finishedAt == Self.now)
        #expect(record.error == Self.failure)
        #expect(record.errorStep == "b")
        #expect(record.steps[2].status == .skipped)
        expectHeld(record)
        #expect(
            events
                == TransitionEvents(
                    now: [.stepSkipped(step: "c", reason: .runFailed)], afterWrite: [.runFailed(Self.failure, step: "b", durationMs: 9000)]))
    }

    @Test func failUnrunnableOfAQueuedRunStartsItWithoutRunStarted() throws {
        var record = Self.queued()
        let events = try apply(.failUnrunnable(Self.failure), to: &record)
        #expect(record.status == .failed)
        #expect(record.startedAt == Self.now)
        #expect(record.finishedAt == Self.now)
        #expect(record.error == Self.failure)
        #expect(record.errorStep == "a")
        #expect(record.steps.map(\.status) == [.skipped, .skipped, .skipped])
        expectHeld(record)
        #expect(
            events
                == TransitionEvents(
                    now: [
                        .stepSkipped(step: "a", reason: .runFailed), .stepSkipped(step: "b", reason: .runFailed),
                        .stepSkipped(step: "c", reason: .runFailed),
                    ],
                    afterWrite: [.runFailed(Self.failure, step: "a", durationMs: 0)]))
    }

    @Test func failUnrunnableOfARunningRunSetsItsCutShortStepBack() throws {
        var record = try Self.running()
        let events = try apply(.failUnrunnable(Self.failure), to: &record)
        #expect(record.status == .failed)
        #expect(record.startedAt == Self.started)
        #expect(record.errorStep == "b")
        #expect(record.steps.map(\.status) == [.succeeded, .skipped, .skipped])
        #expect(events.afterWrite == [.runFailed(Self.failure, step: "b", durationMs: 9000)])
        #expect(events.now == [.stepSkipped(step: "b", reason: .runFailed), .stepSkipped(step: "c", reason: .runFailed)])
    }

    @Test func cancelFailsTheRunningStepSkipsTheRestAndSaysWhoCancelled() throws {
        var record = try Self.waiting()
        let events = try apply(.cancel(by: "bob"), to: &record)
        #expect(record.status == .cancelled)
        #expect(record.finishedAt == Self.now)
        #expect(record.steps.map(\.status) == [.succeeded, .failed, .skipped])
        #expect(record.steps[1].error == StepFailure(.cancelled, "the run was cancelled"))
        #expect(record.steps[1].finishedAt == Self.now)
        #expect(record.error == StepFailure(.cancelled, "the run was cancelled by bob"))
        #expect(record.errorStep == "b")
        #expect(record.approval == nil)
        expectHeld(record)
        #expect(events == TransitionEvents(now: [.stepSkipped(step: "c", reason: .runCancelled)], afterWrite: [.runCancelled(step: "b")]))
    }

    @Test func cancelOfAQueuedRunStartsNothing() throws {
        var record = Self.queued()
        let events = try apply(.cancel(by: nil), to: &record)
        #expect(record.status == .cancelled)
        #expect(record.startedAt == nil)
        #expect(record.errorStep == nil)
        #expect(record.error == StepFailure(.cancelled, "the run was cancelled"))
        #expect(events.afterWrite == [.runCancelled(step: nil)])
        #expect(events.now.count == 3)
    }

    @Test func cancelOfARunningRunWithoutAStartGivesItOne() throws {
        var record = try Self.running()
        record.startedAt = nil
        _ = try apply(.cancel(by: nil), to: &record)
        #expect(record.startedAt == Self.now)
    }

    @Test func awaitApprovalKeepsTheApprovalAndReleasesTheRun() throws {
        var record = try Self.running()
        let events = try apply(.awaitApproval(Self.approval), to: &record)
        #expect(record.status == .waitingApproval)
        #expect(record.approval == Self.approval)
        #expect(record.runner == nil && record.runnerId == nil)
        #expect(record.steps[1].status == .running)
        #expect(events == TransitionEvents(afterWrite: [.runWaitingApproval(Self.approval)]))
    }

    @Test func publishWaitingReleasesTheRunAndSaysItWaits() throws {
        var record = try Self.waiting()
        record.runner = "h:1"
        record.runnerId = "h-1"
        let events = try apply(.publishWaiting, to: &record)
        #expect(record.status == .waitingApproval)
        #expect(record.runner == nil && record.runnerId == nil)
        #expect(events == TransitionEvents(afterWrite: [.runWaitingApproval(Self.approval)]))
        var unnamed = try Self.waiting()
        unnamed.approval = nil
        #expect(throws: IllegalTransition.run(from: .waitingApproval, event: .publishWaiting)) { try apply(.publishWaiting, to: &unnamed) }
    }

    @Test func resumeRecordsTheDecisionAndTheWait() throws {
        var record = try Self.waiting()
        let events = try apply(.resume(Self.decision), to: &record)
        #expect(record.status == .running)
        #expect(record.waitedMs == 6000)
        #expect(record.approval == nil)
        #expect(record.steps[1].status == .succeeded)
        #expect(record.steps[1].output == ["decision": "approve", "by": "alice", "note": "fine"])
        #expect(record.steps[1].finishedAt == Self.now)
        #expect(record.runner == nil && record.runnerId == nil)
        #expect(
            events
                == TransitionEvents(afterWrite: [
                    .approvalReceived(step: "b", approve: true, by: "alice", note: "fine", source: Self.decision.source),
                    .runResumed(step: "b", by: "alice"),
                ]))
    }

    @Test func rejectFailsTheStepAndTheRun() throws {
        var record = try Self.waiting()
        let decision = ApprovalDecision(approve: false, by: "alice", note: "no")
        let events = try apply(.reject(decision), to: &record)
        let failure = StepFailure(.approvalRejected, "approval rejected by alice: no")
        #expect(record.status == .failed)
        #expect(record.waitedMs == 6000)
        #expect(record.approval == nil)
        #expect(record.steps.map(\.status) == [.succeeded, .failed, .skipped])
        #expect(record.steps[1].output == ["decision": "reject", "by": "alice", "note": "no"])
        #expect(record.steps[1].error == failure)
        #expect(record.steps[1].finishedAt == Self.now)
        #expect(record.error == failure)
        #expect(record.errorStep == "b")
        #expect(record.finishedAt == Self.now)
        expectHeld(record)
        #expect(
            events
                == TransitionEvents(afterWrite: [
                    .approvalReceived(step: "b", approve: false, by: "alice", note: "no", source: nil),
                    .stepFailed(step: "b", attempt: 1, failure), .stepSkipped(step: "c", reason: .runFailed),
                    .runFailed(failure, step: "b", durationMs: 9000),
                ]))
    }

    @Test func expireFailsTheStepAndTheRun() throws {
        var record = try Self.waiting()
        let events = try apply(.expire, to: &record)
        let failure = StepFailure(.approvalExpired, "no decision before \(Timestamp.format(Self.created.addingTimeInterval(9)))")
        #expect(record.status == .failed)
        #expect(record.waitedMs == 6000)
        #expect(record.approval == nil)
        #expect(record.steps[1].status == .failed)
        #expect(record.steps[1].error == failure)
        #expect(record.error == failure)
        #expect(record.errorStep == "b")
        expectHeld(record)
        #expect(
            events
                == TransitionEvents(
                    now: [.stepFailed(step: "b", attempt: 1, failure), .stepSkipped(step: "c", reason: .runFailed)],
                    afterWrite: [.runFailed(failure, step: "b", durationMs: 9000)]))
    }

    @Test func aDecisionForAStepThatIsNotRunningIsRefused() throws {
        var record = try Self.waiting()
        try record.steps[1].apply(.interrupt)
        let before = record
        #expect(throws: IllegalTransition.step(from: .pending, event: .succeed)) { try apply(.resume(Self.decision), to: &record) }
        #expect(throws: IllegalTransition.step(from: .pending, event: .fail)) { try apply(.expire, to: &record) }
        #expect(record == before)
    }

    static let transitions: [RunTransition] = [
        .start, .recover(previousRunner: "x", leftoverProcesses: []), .succeed, .fail(failure, step: "a"), .failUnrunnable(failure),
        .cancel(by: nil), .awaitApproval(approval), .publishWaiting, .resume(decision), .reject(decision), .expire,
    ]

    static let pairs: [(RunStatus, Int)] = RunStatus.allCases.flatMap { status in transitions.indices.map { (status, $0) } }

    @Test(arguments: pairs)
    func everyIllegalArrowThrowsAndChangesNothing(status: RunStatus, index: Int) throws {
        let transition = Self.transitions[index]
        var record = try Self.record(in: status)
        let before = record
        let decidesAWait = transition == .reject(Self.decision) || transition == .expire
        // The literal table of the run's arrows, not `applying` (the code under test).
        var expected: RunStatus? = RunStatusTests.legal[status]?[transition.event]
        if status == .queued && transition == .failUnrunnable(Self.failure) { expected = .failed }
        if decidesAWait && status != .waitingApproval { expected = nil }
        if let expected {
            _ = try apply(transition, to: &record)
            #expect(record.status == expected)
        } else {
            let error = #expect(throws: IllegalTransition.self) { try apply(transition, to: &record) }
            #expect(error == .run(from: status, event: transition.event))
            #expect(record == before)
        }
    }
}
