import Foundation

/// What a notification says about a run: the small JSON body droprun `POST`s.
///
/// ```json
/// {"kind": "finished", "runId": "r1", "status": "failed", "workflow": {"name": "w", "version": "1"},
///  "labels": {}, "createdAt": "...", "finishedAt": "...", "durationMs": 12,
///  "error": {"code": "step_timeout", "message": "...", "step": "fetch", "retryable": true},
///  "approval": null, "record": "outbox/results/r1.json", "sentAt": "..."}
/// ```
///
/// `approval` (`step`, `message`, `requestedAt`, `expiresAt`: the due time)
/// is set for `waiting_approval`; `error` for a run that failed or was cancelled.
enum NotificationSummary {
    static func json(_ kind: NotificationKind, record: RunRecord, at now: Date) -> JSONValue {
        let folder = record.status.isFinal ? "results" : "running"
        return [
            "kind": .string(kind.rawValue), "runId": .string(record.runId), "status": .string(record.status.rawValue),
            "workflow": ["name": .string(record.workflowName), "version": record.workflowVersion.map(JSONValue.string) ?? .null],
            "labels": .object(record.labels.mapValues(JSONValue.string)),
            "createdAt": .string(Timestamp.format(record.createdAt)),
            "finishedAt": record.finishedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "durationMs": record.durationMs.map(JSONValue.int) ?? .null,
            "error": record.error.map { $0.json(step: record.errorStep) } ?? .null,
            "approval": kind == .waitingApproval ? record.approval?.json ?? .null : .null,
            "record": .string("outbox/\(folder)/\(record.runId).json"), "sentAt": .string(Timestamp.format(now)),
        ]
    }
}
