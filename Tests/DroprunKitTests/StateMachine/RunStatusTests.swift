import Testing

@testable import DroprunKit

@Suite struct RunStatusTests {
    /// Every arrow the contract draws; everything else must be refused.
    static let legal: [RunStatus: [RunEvent: RunStatus]] = [
        .queued: [.start: .running, .cancel: .cancelled],
        .running: [.recover: .running, .succeed: .succeeded, .fail: .failed, .cancel: .cancelled, .awaitApproval: .waitingApproval],
        .waitingApproval: [.publishWaiting: .waitingApproval, .resume: .running, .fail: .failed, .cancel: .cancelled],
        .succeeded: [:], .failed: [:], .cancelled: [:],
    ]

    static let allPairs: [(RunStatus, RunEvent)] = RunStatus.allCases.flatMap { s in RunEvent.allCases.map { (s, $0) } }

    @Test(arguments: allPairs)
    func transition(from status: RunStatus, on event: RunEvent) throws {
        if let expected = Self.legal[status]?[event] {
            #expect(try status.applying(event) == expected)
        } else {
            let error = #expect(throws: IllegalTransition.self) { try status.applying(event) }
            #expect(error == .run(from: status, event: event))
        }
    }

    @Test func finalStatusesHaveNoWayOut() {
        for status in RunStatus.allCases where status.isFinal {
            for event in RunEvent.allCases { #expect(throws: IllegalTransition.self) { try status.applying(event) } }
        }
        #expect(RunStatus.allCases.filter(\.isFinal) == [.succeeded, .failed, .cancelled])
    }

    @Test func rawValuesAreTheContractsWords() {
        #expect(RunStatus.allCases.map(\.rawValue) == ["queued", "running", "waiting_approval", "succeeded", "failed", "cancelled"])
        #expect(StepStatus.allCases.map(\.rawValue) == ["pending", "running", "succeeded", "failed", "skipped"])
    }

    static let stepLegal: [StepStatus: [StepEvent: StepStatus]] = [
        .pending: [.start: .running, .skip: .skipped],
        .running: [.retry: .running, .succeed: .succeeded, .fail: .failed, .interrupt: .pending],
        .succeeded: [:], .failed: [:], .skipped: [:],
    ]

    static let stepPairs: [(StepStatus, StepEvent)] = StepStatus.allCases.flatMap { s in StepEvent.allCases.map { (s, $0) } }

    @Test(arguments: stepPairs)
    func stepTransition(from status: StepStatus, on event: StepEvent) throws {
        if let expected = Self.stepLegal[status]?[event] {
            #expect(try status.applying(event) == expected)
        } else {
            let error = #expect(throws: IllegalTransition.self) { try status.applying(event) }
            #expect(error == .step(from: status, event: event))
        }
    }

    @Test func recordRefusesIllegalMoves() throws {
        let workflow = Workflow(name: "w", steps: [StepDefinition(id: "a", provider: "echo")])
        var record = RunRecord(
            runId: "r", workflow: workflow, requestFile: "r.json", requestSHA256: "", requestSize: 0, receivedAt: .now, createdAt: .now)
        #expect(throws: IllegalTransition.self) { try record.apply(.succeed) }
        try record.apply(.start)
        try record.apply(.succeed)
        #expect(record.status == .succeeded)
        #expect(throws: IllegalTransition.self) { try record.apply(.start) }
        #expect(throws: IllegalTransition.self) { try record.steps[0].apply(.succeed) }
    }
}
