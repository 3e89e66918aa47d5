import Foundation
import Testing

@testable import DroprunKit

/// Every arrow of the step machine with the fields it sets and the event it returns; every illegal arrow throws and changes nothing.
@Suite struct StepTransitionTests {
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    static let now = t0.addingTimeInterval(5)
    static let failure = StepFailure(.providerError, "boom")

    static func step(_ status: StepStatus) throws -> StepRecord {
        var step = StepRecord(id: "a", provider: "echo")
        guard status != .pending else { return step }
        try step.apply(.start)
        step.attempts = 1
        step.startedAt = t0
        switch status {
        case .pending, .running: break
        case .succeeded: try step.apply(.succeed)
        case .failed: try step.apply(.fail)
        case .skipped:
            step = StepRecord(id: "a", provider: "echo")
            try step.apply(.skip)
        }
        return step
    }

    @Test func startCountsTheFirstAttemptAndSaysStepStarted() throws {
        var step = try Self.step(.pending)
        let event = try step.apply(.start, at: Self.now)
        #expect(step.status == .running)
        #expect(step.attempts == 1)
        #expect(step.startedAt == Self.now)
        #expect(event == .stepStarted(step: "a", provider: "echo", attempt: 1))
    }

    @Test func startAfterAnInterruptionCountsOn() throws {
        var step = try Self.step(.running)
        try step.apply(.interrupt, at: Self.now)
        let event = try step.apply(.start, at: Self.now)
        #expect(step.attempts == 2)
        #expect(event == .stepStarted(step: "a", provider: "echo", attempt: 2))
    }

    @Test func retryCountsAnotherAttemptAndKeepsTheStart() throws {
        var step = try Self.step(.running)
        let event = try step.apply(.retry, at: Self.now)
        #expect(step.status == .running)
        #expect(step.attempts == 2)
        #expect(step.startedAt == Self.t0)
        #expect(event == .stepStarted(step: "a", provider: "echo", attempt: 2))
    }

    @Test func succeedKeepsTheOutputAndSaysStepSucceeded() throws {
        var step = try Self.step(.running)
        let event = try step.apply(.succeed(output: ["x": 1], durationMs: 7), at: Self.now)
        #expect(step.status == .succeeded)
        #expect(step.output == ["x": 1])
        #expect(step.finishedAt == Self.now)
        #expect(event == .stepSucceeded(step: "a", attempt: 1, durationMs: 7))
    }

    @Test func approveKeepsTheDecisionAndSaysNothing() throws {
        var step = try Self.step(.running)
        let event = try step.apply(.approve(output: ["decision": "approve"]), at: Self.now)
        #expect(step.status == .succeeded)
        #expect(step.output == ["decision": "approve"])
        #expect(step.finishedAt == Self.now)
        #expect(event == nil)
    }

    @Test func failKeepsTheErrorAndSaysStepFailed() throws {
        var step = try Self.step(.running)
        let event = try step.apply(.fail(Self.failure), at: Self.now)
        #expect(step.status == .failed)
        #expect(step.error == Self.failure)
        #expect(step.finishedAt == Self.now)
        #expect(step.startedAt == Self.t0)
        #expect(event == .stepFailed(step: "a", attempt: 1, Self.failure))
    }

    @Test func failOfAStepThatNeverStartedStartsIt() throws {
        var step = try Self.step(.pending)
        let event = try step.apply(.fail(Self.failure), at: Self.now)
        #expect(step.status == .failed)
        #expect(step.startedAt == Self.now)
        #expect(step.attempts == 1)
        #expect(event == .stepFailed(step: "a", attempt: 1, Self.failure))
    }

    @Test func cancelFailsItAsCancelledAndSaysNothing() throws {
        var step = try Self.step(.running)
        let event = try step.apply(.cancel, at: Self.now)
        #expect(step.status == .failed)
        #expect(step.error == StepFailure(.cancelled, "the run was cancelled"))
        #expect(step.finishedAt == Self.now)
        #expect(event == nil)
    }

    @Test func skipSaysStepSkipped() throws {
        var step = try Self.step(.pending)
        let event = try step.apply(.skip(.runFailed), at: Self.now)
        #expect(step.status == .skipped)
        #expect(step.finishedAt == nil)
        #expect(event == .stepSkipped(step: "a", reason: .runFailed))
    }

    @Test func interruptSetsItBackKeepingItsAttempts() throws {
        var step = try Self.step(.running)
        let event = try step.apply(.interrupt, at: Self.now)
        #expect(step.status == .pending)
        #expect(step.attempts == 1)
        #expect(event == nil)
    }

    static let transitions: [StepTransition] = [
        .start, .retry, .succeed(output: .null, durationMs: 0), .approve(output: .null), .fail(failure), .cancel, .skip(.runFailed), .interrupt,
    ]

    static let pairs: [(StepStatus, Int)] = StepStatus.allCases.flatMap { status in transitions.indices.map { (status, $0) } }

    @Test(arguments: pairs)
    func everyIllegalArrowThrowsAndChangesNothing(status: StepStatus, index: Int) throws {
        let transition = Self.transitions[index]
        var step = try Self.step(status)
        let before = step
        let event = transition.event
        let pendingFail = status == .pending && transition == .fail(Self.failure)
        // The literal table of the step's arrows, not `applying` (the code under test).
        if let expected = pendingFail ? .failed : RunStatusTests.stepLegal[status]?[event] {
            try step.apply(transition, at: Self.now)
            #expect(step.status == expected)
        } else {
            let error = #expect(throws: IllegalTransition.self) { try step.apply(transition, at: Self.now) }
            #expect(error == .step(from: status, event: event))
            #expect(step == before)
        }
    }
}
