import Foundation
import Testing

@testable import DroprunKit

/// Each typed event renders the name and `data` audit lines have always carried.
@Suite struct AuditEventTests {
    static let failure = StepFailure(.stepTimeout, "slow")
    static let expires = Date(timeIntervalSince1970: 1_767_225_600)
    static let source = ControlSource(file: "ok.json", sha256: "ab")

    static let cases: [(AuditEvent, AuditEventName, JSONValue)] = [
        (
            .requestRejected(file: "x.json", reason: "invalid_json", rejectedAs: "x~2.json", errors: ["e"]), .requestRejected,
            ["file": "x.json", "reason": "invalid_json", "rejectedAs": "x~2.json", "errors": ["e"]]
        ),
        (
            .runQueued(file: "x.json", workflow: "w", sha256: "s", workflowSHA256: nil), .runQueued,
            ["file": "x.json", "workflow": "w", "sha256": "s"]
        ),
        (
            .runQueued(file: "x.json", workflow: "w", sha256: "s", workflowSHA256: "d"), .runQueued,
            ["file": "x.json", "workflow": "w", "sha256": "s", "workflowSHA256": "d"]
        ),
        (.runQueuedAsRetry(retryOf: "r", file: "x.json", workflowSHA256: nil, latest: false), .runQueued, ["retryOf": "r", "file": "x.json"]),
        (
            .runQueuedAsRetry(retryOf: "r", file: "x.json", workflowSHA256: "d", latest: true), .runQueued,
            ["retryOf": "r", "file": "x.json", "workflowSHA256": "d", "latest": true]
        ),
        (.runStarted(runner: "h:1"), .runStarted, ["runner": "h:1"]),
        (
            .runWaitingApproval(PendingApproval(step: "b", message: "ok?", requestedAt: expires, expiresAt: nil)), .runWaitingApproval,
            ["step": "b", "message": "ok?", "expiresAt": nil]
        ),
        (
            .runWaitingApproval(PendingApproval(step: "b", message: "ok?", requestedAt: expires, expiresAt: expires)), .runWaitingApproval,
            ["step": "b", "message": "ok?", "expiresAt": .string(Timestamp.format(expires))]
        ),
        (.runResumed(step: "b", by: nil), .runResumed, ["step": "b", "by": nil]),
        (
            .runRecovered(previousRunner: "h:2", interruptedSteps: ["a"], leftoverProcesses: []), .runRecovered,
            ["previousRunner": "h:2", "interruptedSteps": ["a"]]
        ),
        (
            .runRecovered(previousRunner: "h:2", interruptedSteps: [], leftoverProcesses: [["pid": 3]]), .runRecovered,
            ["previousRunner": "h:2", "interruptedSteps": [], "leftoverProcesses": [["pid": 3]]]
        ),
        (.runRecoveredReservation(file: "x.json"), .runRecovered, ["stage": "reserved", "file": "x.json"]),
        (.runSucceeded(durationMs: 5), .runSucceeded, ["durationMs": 5]),
        (.runFailed(failure, step: "a", durationMs: 5), .runFailed, ["code": "step_timeout", "message": "slow", "step": "a", "durationMs": 5]),
        (.runCancelled(step: nil), .runCancelled, ["step": nil]),
        (.finalEventRepaired(.succeeded, previousRunner: "h:2", code: nil), .runSucceeded, ["previousRunner": "h:2", "writtenBy": "recovery"]),
        (.finalEventRepaired(.failed, previousRunner: nil, code: "x"), .runFailed, ["previousRunner": nil, "writtenBy": "recovery", "code": "x"]),
        (.finalEventRepaired(.cancelled, previousRunner: "h:2", code: nil), .runCancelled, ["previousRunner": "h:2", "writtenBy": "recovery"]),
        (.stepStarted(step: "a", provider: "echo", attempt: 2), .stepStarted, ["step": "a", "provider": "echo", "attempt": 2]),
        (.stepSucceeded(step: "a", attempt: 2, durationMs: 3), .stepSucceeded, ["step": "a", "attempt": 2, "durationMs": 3]),
        (
            .stepFailed(step: "a", attempt: 2, failure), .stepFailed,
            ["step": "a", "attempt": 2, "code": "step_timeout", "message": "slow", "retryable": true]
        ),
        (
            .stepRetry(step: "a", attempt: 2, failure, delayMs: 100), .stepRetry,
            ["step": "a", "attempt": 2, "code": "step_timeout", "message": "slow", "delayMs": 100]
        ),
        (.stepSkipped(step: "c", reason: .condition), .stepSkipped, ["step": "c", "reason": "condition"]),
        (
            .artifactWritten(ArtifactEntry(name: "n", path: "artifacts/r/n", size: 2, sha256: "cd", mediaType: "text/plain", step: "a")),
            .artifactWritten,
            ["step": "a", "name": "n", "path": "artifacts/r/n", "size": 2, "sha256": "cd", "mediaType": "text/plain"]
        ),
        (
            .approvalReceived(step: "b", approve: true, by: "al", note: nil, source: source), .approvalReceived,
            ["step": "b", "decision": "approve", "by": "al", "note": nil, "file": "ok.json", "sha256": "ab"]
        ),
        (
            .approvalReceived(step: "b", approve: false, by: nil, note: "no", source: nil), .approvalReceived,
            ["step": "b", "decision": "reject", "by": nil, "note": "no"]
        ),
        (.cancelReceived(by: nil, source: source), .cancelReceived, ["by": nil, "file": "ok.json", "sha256": "ab"]),
        (
            .runPurged(sha256: "ab", finishedAt: Date(timeIntervalSince1970: 0), archivedTo: nil), .runPurged,
            ["sha256": "ab", "finishedAt": "1970-01-01T00:00:00.000Z", "archivedTo": nil]
        ),
        (
            .auditSegment(chain: "20261201T000000Z-h-1", segment: 2, previous: "20261201T000000Z-h-1.jsonl"), .auditSegment,
            ["chain": "20261201T000000Z-h-1", "segment": 2, "previous": "20261201T000000Z-h-1.jsonl"]
        ),
        (
            .notificationSent(kind: .finished, endpoint: "hooks", path: "/runs", status: 204, attempts: 2), .notificationSent,
            ["kind": "finished", "endpoint": "hooks", "path": "/runs", "status": 204, "attempts": 2]
        ),
        (
            .notificationFailed(kind: .waitingApproval, endpoint: "hooks", path: "", attempts: 5, error: "http_status: 500"), .notificationFailed,
            ["kind": "waiting_approval", "endpoint": "hooks", "path": "", "attempts": 5, "error": "http_status: 500"]
        ),
    ]

    @Test(arguments: cases.indices)
    func rendersItsNameAndData(index: Int) {
        let (event, name, data) = Self.cases[index]
        #expect(event.name == name)
        #expect(JSONValue.object(event.data) == data)
    }

    @Test func everyNameHasAnEvent() {
        #expect(Set(Self.cases.map(\.1)) == Set(AuditEventName.allCases))
    }
}
