import Foundation

/// One line of the history index: what `list`, `gc`, `audit RUN_ID` and `stats` need of a finished run without reading its record.
///
/// A line is canonical compact JSON (members sorted by their keys' bytes, see
/// `JSONWriter`) and a newline, so a reader can skip a line by its bytes
/// (`"status":"failed"`) before parsing it:
///
/// ```json
/// {"audit":["20261201T100000Z-host-1234.jsonl"],"createdAt":"…","durationMs":12,"error":{"code":"step_timeout","step":"fetch"},
///  "finishedAt":"…","labels":{"tenant":"acme"},"runId":"a","sha256":"…","status":"failed",
///  "steps":[["fetch","exec","failed",10,3]],"workflow":{"name":"w","version":"1"}}
/// ```
///
/// `steps` (see `Step`) came later: a line without it (written by an older
/// droprun) reads with `steps` nil, and `droprun reindex` writes it again
/// with them.
///
/// Every line about one run says the same (a result is written once), so a
/// reader that meets a run twice (a line repaired after a crash, a rebuild
/// beside a runner's file) keeps one.
public struct IndexEntry: Sendable, Equatable {
    public var runId: String
    /// A final status: succeeded, failed or cancelled.
    public var status: RunStatus
    public var workflowName: String
    public var workflowVersion: String?
    public var labels: [String: String]
    public var createdAt: Date
    public var finishedAt: Date
    public var durationMs: Int?
    /// The failure's code, when the run did not succeed with one.
    public var errorCode: String?
    /// The step the failure came from.
    public var errorStep: String?
    /// SHA-256 of the dropped request's bytes.
    public var requestSHA256: String
    /// The audit segments (file names under `outbox/audit/`) that hold the run's events, as far as the writer knows.
    public var audit: [String]
    /// The run's steps in the workflow's order; nil in a line written before lines kept them.
    public var steps: [Step]?

    public init(
        runId: String, status: RunStatus, workflowName: String, workflowVersion: String?, labels: [String: String], createdAt: Date,
        finishedAt: Date, durationMs: Int?, errorCode: String?, errorStep: String?, requestSHA256: String, audit: [String],
        steps: [Step]? = nil
    ) {
        self.runId = runId
        self.status = status
        self.workflowName = workflowName
        self.workflowVersion = workflowVersion
        self.labels = labels
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.errorCode = errorCode
        self.errorStep = errorStep
        self.requestSHA256 = requestSHA256
        self.audit = audit
        self.steps = steps
    }

    /// The entry of a finished record; nil for a record that has not finished.
    public init?(record: RunRecord, audit: [String]) {
        guard record.status.isFinal, let finishedAt = record.finishedAt else { return nil }
        self.init(
            runId: record.runId, status: record.status, workflowName: record.workflowName, workflowVersion: record.workflowVersion,
            labels: record.labels, createdAt: record.createdAt, finishedAt: finishedAt, durationMs: record.durationMs,
            errorCode: record.error?.code.rawValue, errorStep: record.error == nil ? nil : record.errorStep, requestSHA256: record.requestSHA256,
            audit: audit, steps: record.steps.map(Step.init))
    }

    /// The line's JSON (what `line` writes, member for member).
    public var json: JSONValue {
        var error: JSONValue = .null
        if let errorCode { error = ["code": .string(errorCode), "step": errorStep.map(JSONValue.string) ?? .null] }
        var members: [String: JSONValue] = [
            "runId": .string(runId), "status": .string(status.rawValue),
            "workflow": ["name": .string(workflowName), "version": workflowVersion.map(JSONValue.string) ?? .null],
            "labels": .object(labels.mapValues(JSONValue.string)), "createdAt": .string(Timestamp.format(createdAt)),
            "finishedAt": .string(Timestamp.format(finishedAt)), "durationMs": durationMs.map(JSONValue.int) ?? .null, "error": error,
            "sha256": .string(requestSHA256), "audit": .array(audit.map(JSONValue.string)),
        ]
        if let steps { members["steps"] = .array(steps.map(\.json)) }
        return .object(JSONObject(members))
    }

    /// The line: canonical compact JSON and a newline, the bytes `JSONWriter.compactBytes(json)` gives (`IndexLine`
    /// writes them without building the tree).
    public var line: [UInt8] { IndexLine.bytes(self) }

    /// Reads a line back (without its newline); nil for a line that is not an entry (torn, edited).
    public init?(line: some Collection<UInt8>) {
        guard let json = try? RecordReader.parse(Array(line)) else { return nil }
        self.init(json: json)
    }

    /// Reads an entry's JSON; nil when it is not one.
    public init?(json: JSONValue) {
        guard let runId = json["runId"]?.stringValue, let status = json["status"]?.stringValue.flatMap(RunStatus.init(rawValue:)),
            status.isFinal, let name = json["workflow"]?["name"]?.stringValue,
            let createdAt = json["createdAt"]?.stringValue.flatMap(Timestamp.parse),
            let finishedAt = json["finishedAt"]?.stringValue.flatMap(Timestamp.parse), let sha = json["sha256"]?.stringValue
        else { return nil }
        self.init(
            runId: runId, status: status, workflowName: name, workflowVersion: json["workflow"]?["version"]?.stringValue,
            labels: json["labels"]?.objectValue?.compactMapValues(\.stringValue) ?? [:], createdAt: createdAt, finishedAt: finishedAt,
            durationMs: json["durationMs"]?.intValue, errorCode: json["error"]?["code"]?.stringValue, errorStep: json["error"]?["step"]?.stringValue,
            requestSHA256: sha, audit: json["audit"]?.arrayValue?.compactMap(\.stringValue) ?? [], steps: Self.steps(of: json["steps"]))
    }
}
