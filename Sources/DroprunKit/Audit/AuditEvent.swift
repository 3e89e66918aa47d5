import Foundation

/// One audit event with its payload: what `AuditLog` writes as a line's `event` and `data`.
///
/// Events that go with a transition of a run or a step are returned by
/// `RunRecord.apply(_:at:by:)` and `StepRecord.apply(_:at:)`; the others
/// (a rejection, an admission, a control message, an artifact, a repaired
/// final event) are built with these cases where they happen. `data` renders
/// exactly the members each event has always had.
public enum AuditEvent: Sendable, Equatable {
    /// A dropped file was refused.
    case requestRejected(file: String, reason: String, rejectedAs: String, errors: [JSONValue])
    /// A request was accepted as a run.
    case runQueued(file: String, workflow: String, sha256: String, workflowSHA256: String?)
    /// `retry` created a run from an earlier one.
    case runQueuedAsRetry(retryOf: String, file: String, workflowSHA256: String?, latest: Bool)
    /// A runner began the run.
    case runStarted(runner: String)
    /// The run paused at an approval step.
    case runWaitingApproval(PendingApproval)
    /// A paused run continued after an approval.
    case runResumed(step: String, by: String?)
    /// A runner took over a run its previous runner left running.
    case runRecovered(previousRunner: String, interruptedSteps: [JSONValue], leftoverProcesses: [JSONValue])
    /// A run whose id was reserved by a runner that died before admitting it is admitted now.
    case runRecoveredReservation(file: String)
    /// The run succeeded.
    case runSucceeded(durationMs: Int)
    /// The run failed.
    case runFailed(StepFailure, step: String, durationMs: Int)
    /// The run was cancelled (`step`: the step it cut short, if any).
    case runCancelled(step: String?)
    /// The final event of a finished run whose runner died before writing it, written by recovery.
    case finalEventRepaired(RunStatus, previousRunner: JSONValue, code: JSONValue?)
    /// A step attempt began (`beside`: the run's steps in flight as it did, in a graph that runs steps at once).
    case stepStarted(step: String, provider: String, attempt: Int, beside: [String] = [])
    /// A step succeeded.
    case stepSucceeded(step: String, attempt: Int, durationMs: Int)
    /// A step failed for good.
    case stepFailed(step: String, attempt: Int, StepFailure)
    /// A step attempt failed and will be tried again after `delayMs`.
    case stepRetry(step: String, attempt: Int, StepFailure, delayMs: Int)
    /// A step was skipped because the run ended before it.
    case stepSkipped(step: String, reason: SkipReason)
    /// A step wrote an artifact.
    case artifactWritten(ArtifactEntry)
    /// An approval or rejection arrived for a waiting run (`source`: the dropped file's name and SHA-256, if any).
    case approvalReceived(step: String, approve: Bool, by: String?, note: String?, source: ControlSource?)
    /// A cancel request arrived for a run.
    case cancelReceived(by: String?, source: ControlSource)
    /// `gc` removed a finished run (`archivedTo`: the folder its files were moved to, relative to nothing: as given).
    case runPurged(sha256: String, finishedAt: Date, archivedTo: String?)
    /// A new segment of a runner's chain begins (`previous`: the file name of the segment before, nil for the first).
    case auditSegment(chain: String, segment: Int, previous: String?)
    /// A notification was delivered (`kind`: finished or waiting_approval; the endpoint's alias and path, its status, attempts made).
    case notificationSent(kind: NotificationKind, endpoint: String, path: String, status: Int, attempts: Int)
    /// A notification was given up after `attempts` (`error` says why, without any secret).
    case notificationFailed(kind: NotificationKind, endpoint: String, path: String, attempts: Int, error: String)

    /// The event's name.
    public var name: AuditEventName {
        switch self {
        case .requestRejected: .requestRejected
        case .runQueued, .runQueuedAsRetry: .runQueued
        case .runStarted: .runStarted
        case .runWaitingApproval: .runWaitingApproval
        case .runResumed: .runResumed
        case .runRecovered, .runRecoveredReservation: .runRecovered
        case .runSucceeded: .runSucceeded
        case .runFailed: .runFailed
        case .runCancelled: .runCancelled
        case .finalEventRepaired(let status, _, _):
            status == .succeeded ? .runSucceeded : status == .failed ? .runFailed : .runCancelled
        case .stepStarted: .stepStarted
        case .stepSucceeded: .stepSucceeded
        case .stepFailed: .stepFailed
        case .stepRetry: .stepRetry
        case .stepSkipped: .stepSkipped
        case .artifactWritten: .artifactWritten
        case .approvalReceived: .approvalReceived
        case .cancelReceived: .cancelReceived
        case .runPurged: .runPurged
        case .auditSegment: .auditSegment
        case .notificationSent: .notificationSent
        case .notificationFailed: .notificationFailed
        }
    }

    /// The event's `data`, as audit lines carry it.
    public var data: [String: JSONValue] {
        switch self {
        case .requestRejected(let file, let reason, let rejectedAs, let errors):
            return ["file": .string(file), "reason": .string(reason), "rejectedAs": .string(rejectedAs), "errors": .array(errors)]
        case .runQueued(let file, let workflow, let sha256, let workflowSHA256):
            var data: [String: JSONValue] = ["file": .string(file), "workflow": .string(workflow), "sha256": .string(sha256)]
            if let workflowSHA256 { data["workflowSHA256"] = .string(workflowSHA256) }
            return data
        case .runQueuedAsRetry(let retryOf, let file, let workflowSHA256, let latest):
            var data: [String: JSONValue] = ["retryOf": .string(retryOf), "file": .string(file)]
            if let workflowSHA256 { data["workflowSHA256"] = .string(workflowSHA256) }
            if latest { data["latest"] = true }
            return data
        case .runStarted(let runner):
            return ["runner": .string(runner)]
        case .runWaitingApproval(let approval):
            return [
                "step": .string(approval.step), "message": .string(approval.message),
                "expiresAt": approval.expiresAt.map { .string(Timestamp.format($0)) } ?? .null,
            ]
        case .runResumed(let step, let by):
            return ["step": .string(step), "by": by.map(JSONValue.string) ?? .null]
        case .runRecovered(let previousRunner, let interruptedSteps, let leftoverProcesses):
            var data: [String: JSONValue] = ["previousRunner": .string(previousRunner), "interruptedSteps": .array(interruptedSteps)]
            if !leftoverProcesses.isEmpty { data["leftoverProcesses"] = .array(leftoverProcesses) }
            return data
        case .runRecoveredReservation(let file):
            return ["stage": "reserved", "file": .string(file)]
        case .runSucceeded(let durationMs):
            return ["durationMs": .int(durationMs)]
        case .runFailed(let failure, let step, let durationMs):
            return [
                "code": .string(failure.code.rawValue), "message": .string(failure.message), "step": .string(step), "durationMs": .int(durationMs),
            ]
        case .runCancelled(let step):
            return ["step": step.map(JSONValue.string) ?? .null]
        case .finalEventRepaired(_, let previousRunner, let code):
            var data: [String: JSONValue] = ["previousRunner": previousRunner, "writtenBy": "recovery"]
            if let code { data["code"] = code }
            return data
        case .stepStarted(let step, let provider, let attempt, let beside):
            var data: [String: JSONValue] = ["step": .string(step), "provider": .string(provider), "attempt": .int(attempt)]
            if !beside.isEmpty { data["beside"] = .array(beside.map(JSONValue.string)) }
            return data
        case .stepSucceeded(let step, let attempt, let durationMs):
            return ["step": .string(step), "attempt": .int(attempt), "durationMs": .int(durationMs)]
        case .stepFailed(let step, let attempt, let failure):
            return [
                "step": .string(step), "attempt": .int(attempt), "code": .string(failure.code.rawValue), "message": .string(failure.message),
                "retryable": .bool(failure.retryable),
            ]
        case .stepRetry(let step, let attempt, let failure, let delayMs):
            return [
                "step": .string(step), "attempt": .int(attempt), "code": .string(failure.code.rawValue), "message": .string(failure.message),
                "delayMs": .int(delayMs),
            ]
        case .stepSkipped(let step, let reason):
            return ["step": .string(step), "reason": .string(reason.rawValue)]
        case .artifactWritten(let entry):
            return [
                "step": .string(entry.step), "name": .string(entry.name), "path": .string(entry.path), "size": .int(entry.size),
                "sha256": .string(entry.sha256), "mediaType": .string(entry.mediaType),
            ]
        case .approvalReceived(let step, let approve, let by, let note, let source):
            var data: [String: JSONValue] = [
                "step": .string(step), "decision": .string(approve ? "approve" : "reject"),
                "by": by.map(JSONValue.string) ?? .null, "note": note.map(JSONValue.string) ?? .null,
            ]
            if let source {
                data["file"] = .string(source.file)
                data["sha256"] = .string(source.sha256)
            }
            return data
        case .cancelReceived(let by, let source):
            return ["by": by.map(JSONValue.string) ?? .null, "file": .string(source.file), "sha256": .string(source.sha256)]
        case .runPurged(let sha256, let finishedAt, let archivedTo):
            return [
                "sha256": .string(sha256), "finishedAt": .string(Timestamp.format(finishedAt)),
                "archivedTo": archivedTo.map(JSONValue.string) ?? .null,
            ]
        case .auditSegment(let chain, let segment, let previous):
            return ["chain": .string(chain), "segment": .int(segment), "previous": previous.map(JSONValue.string) ?? .null]
        case .notificationSent(let kind, let endpoint, let path, let status, let attempts):
            return [
                "kind": .string(kind.rawValue), "endpoint": .string(endpoint), "path": .string(path), "status": .int(status),
                "attempts": .int(attempts),
            ]
        case .notificationFailed(let kind, let endpoint, let path, let attempts, let error):
            return [
                "kind": .string(kind.rawValue), "endpoint": .string(endpoint), "path": .string(path), "attempts": .int(attempts),
                "error": .string(error),
            ]
        }
    }
}
