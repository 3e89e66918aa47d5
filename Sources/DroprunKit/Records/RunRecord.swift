import Foundation

/// The record of one run: what `outbox/running/` and `outbox/results/` hold.
public struct RunRecord: Sendable, Equatable {
    /// The run's id.
    public var runId: String
    /// Where it is; changed only through `apply(_:at:by:)` (a `RunTransition`, which sets what goes with it).
    public private(set) var status: RunStatus = .queued
    /// The workflow's name.
    public var workflowName: String
    /// The workflow's version, when given.
    public var workflowVersion: String?
    /// SHA-256 of the definition the run was admitted with, in canonical form (see `AdmittedWorkflow`); nil in records of older droprun versions.
    public var workflowSHA256: String?
    /// The file a named workflow was resolved from (`workflows/w.json`), when the run was admitted; nil for an inline one.
    public var workflowFile: String?
    /// True when `retry --latest` took the named workflow's file as it was then, instead of the retried run's definition.
    public var workflowLatest = false
    /// The file that was dropped.
    public var requestFile: String
    /// SHA-256 of the dropped bytes.
    public var requestSHA256: String
    /// Size of the dropped bytes.
    public var requestSize: Int
    /// When the runner took the file.
    public var receivedAt: Date
    /// The request's labels.
    public var labels: [String: String] = [:]
    /// When the run was accepted.
    public var createdAt: Date
    /// When its first step began.
    public var startedAt: Date?
    /// When it reached a final status.
    public var finishedAt: Date?
    /// Its steps, in order.
    public var steps: [StepRecord]
    /// The artifacts its steps wrote.
    public var artifacts: [ArtifactEntry] = []
    /// Why it did not succeed.
    public var error: StepFailure?
    /// The step the error came from.
    public var errorStep: String?
    /// The runner executing it (`host:pid`).
    public var runner: String?
    /// The executing runner's folder name (`host-pid-instance`), which tells its incarnations apart.
    public var runnerId: String?
    /// The run this one retries, if any.
    public var retryOf: String?
    /// The approval the run waits for, while `waiting_approval`.
    public var approval: PendingApproval?
    /// Time spent waiting for approvals, which the run's time limit does not count.
    public var waitedMs = 0

    public init(runId: String, workflow: Workflow, requestFile: String, requestSHA256: String, requestSize: Int, receivedAt: Date, createdAt: Date) {
        self.runId = runId
        workflowName = workflow.name
        workflowVersion = workflow.version
        self.requestFile = requestFile
        self.requestSHA256 = requestSHA256
        self.requestSize = requestSize
        self.receivedAt = receivedAt
        self.createdAt = createdAt
        steps = workflow.steps.map { StepRecord(id: $0.id, provider: $0.provider) }
    }

    /// Moves only the status along the state machine; illegal moves throw. The engine applies a `RunTransition`
    /// instead (`apply(_:at:by:)`), which uses this and sets everything that goes with the move.
    public mutating func apply(_ event: RunEvent) throws(IllegalTransition) {
        status = try status.applying(event)
    }

    /// The output of the last step that succeeded (the last step, in a line), when the run succeeded.
    public var output: JSONValue? {
        guard status == .succeeded else { return nil }
        return steps.last { $0.status == .succeeded }?.output
    }

    /// Run time, from start to finish.
    public var durationMs: Int? {
        guard let startedAt, let finishedAt else { return nil }
        return finishedAt.milliseconds(since: startedAt)
    }

    /// As records write it.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "runId": .string(runId),
            "status": .string(status.rawValue),
            "workflow": workflowJSON,
            "request": [
                "file": .string(requestFile), "sha256": .string(requestSHA256), "size": .int(requestSize),
                "receivedAt": .string(Timestamp.format(receivedAt)),
            ],
            "labels": .object(labels.mapValues(JSONValue.string)),
            "createdAt": .string(Timestamp.format(createdAt)),
            "startedAt": startedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "finishedAt": finishedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "durationMs": durationMs.map(JSONValue.int) ?? .null,
            "steps": .array(steps.map(\.json)),
            "output": output ?? .null,
            "artifacts": .array(artifacts.map(\.json)),
            "error": error.map { $0.json(step: errorStep) } ?? .null,
            "runner": runner.map(JSONValue.string) ?? .null,
            "runnerId": runnerId.map(JSONValue.string) ?? .null,
        ]
        if let retryOf { o["retryOf"] = .string(retryOf) }
        if let approval { o["approval"] = approval.json }
        if waitedMs > 0 { o["waitedForApprovalMs"] = .int(waitedMs) }
        return .object(o)
    }

    /// The record's `workflow`: name, version, and the admitted definition's sha256 and file.
    private var workflowJSON: JSONValue {
        var o: [String: JSONValue] = ["name": .string(workflowName), "version": workflowVersion.map(JSONValue.string) ?? .null]
        if let workflowSHA256 { o["sha256"] = .string(workflowSHA256) }
        if let workflowFile { o["file"] = .string(workflowFile) }
        if workflowLatest { o["latest"] = true }
        return .object(o)
    }

    /// Reads a record back; nil when it is not one (`init(validating:)` says why).
    public init?(json: JSONValue) {
        guard let record = try? RunRecord(validating: json) else { return nil }
        self = record
    }

    /// Reads a record back, or says which required member is missing or wrong.
    public init(validating json: JSONValue) throws(RecordShapeError) {
        guard case .object = json else { throw RecordShapeError(path: .root, expected: "an object") }
        guard let runId = json["runId"]?.stringValue else { throw RecordShapeError(path: JSONPath.root.key("runId"), expected: "a string") }
        guard let status = json["status"]?.stringValue.flatMap(RunStatus.init(rawValue:)) else {
            throw RecordShapeError(path: JSONPath.root.key("status"), expected: "a run status")
        }
        guard let name = json["workflow"]?["name"]?.stringValue else {
            throw RecordShapeError(path: JSONPath.root.key("workflow").key("name"), expected: "a string")
        }
        guard let stepValues = json["steps"]?.arrayValue else { throw RecordShapeError(path: JSONPath.root.key("steps"), expected: "an array") }
        var steps: [StepRecord] = []
        for (i, value) in stepValues.enumerated() {
            steps.append(try StepRecord(validating: value, at: JSONPath.root.key("steps").index(i)))
        }
        guard let created = json["createdAt"]?.stringValue.flatMap(Timestamp.parse) else {
            throw RecordShapeError(path: JSONPath.root.key("createdAt"), expected: "an RFC 3339 time")
        }
        self.runId = runId
        self.status = status
        workflowName = name
        workflowVersion = json["workflow"]?["version"]?.stringValue
        workflowSHA256 = json["workflow"]?["sha256"]?.stringValue
        workflowFile = json["workflow"]?["file"]?.stringValue
        workflowLatest = json["workflow"]?["latest"]?.boolValue ?? false
        requestFile = json["request"]?["file"]?.stringValue ?? ""
        requestSHA256 = json["request"]?["sha256"]?.stringValue ?? ""
        requestSize = json["request"]?["size"]?.intValue ?? 0
        receivedAt = json["request"]?["receivedAt"]?.stringValue.flatMap(Timestamp.parse) ?? created
        labels = json["labels"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        createdAt = created
        startedAt = json["startedAt"]?.stringValue.flatMap(Timestamp.parse)
        finishedAt = json["finishedAt"]?.stringValue.flatMap(Timestamp.parse)
        self.steps = steps
        artifacts = json["artifacts"]?.arrayValue?.compactMap(ArtifactEntry.init(json:)) ?? []
        if let e = json["error"], let code = e["code"]?.stringValue {
            error = StepFailure(
                code: StepFailure.Code(rawValue: code), message: e["message"]?.stringValue ?? "", retryable: e["retryable"]?.boolValue ?? false)
            errorStep = e["step"]?.stringValue
        }
        runner = json["runner"]?.stringValue
        runnerId = json["runnerId"]?.stringValue
        retryOf = json["retryOf"]?.stringValue
        approval = json["approval"].flatMap(PendingApproval.init(json:))
        waitedMs = json["waitedForApprovalMs"]?.intValue ?? 0
    }
}
