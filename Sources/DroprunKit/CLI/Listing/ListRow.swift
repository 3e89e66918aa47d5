import Foundation

/// One row of `droprun list`: a run, a drop not yet admitted, a rejected drop, or a record that cannot be read.
struct ListRow: Sendable {
    /// Where a row comes from, in the order of preference when two sources name one run (the result wins).
    enum Source: Int, Sendable, Comparable {
        /// A finished run: an index line, a result, or a live record or claim whose result is written.
        case finished
        /// A live record, or one a runner is taking over.
        case live
        /// A claim with no record yet.
        case claim
        /// A drop in the inbox.
        case inbox
        /// A rejected drop (never deduplicated: it is no run).
        case rejection
        /// A record droprun cannot read.
        case unreadable

        static func < (a: Source, b: Source) -> Bool { a.rawValue < b.rawValue }
    }

    /// `queued` ... `cancelled`, `rejected` or `unreadable`.
    var status: String
    var runId: String
    var source: Source
    /// The row's place in the order (see `ListPosition`).
    var position: ListPosition
    /// What `--after` takes to show the rows after this one: the run id, or `outbox/rejected/<name>` for a rejection.
    var cursor: String
    var workflow: String?
    var workflowVersion: String?
    var createdAt: Date?
    var finishedAt: Date?
    var durationMs: Int?
    var errorCode: String?
    var errorStep: String?
    /// The run's labels; nil where there is no request read (a drop, a rejection).
    var labels: [String: String]?
    /// The WORKFLOW column when it shows something else (a rejection's reason, a refused control message's kind).
    var column: String?
    /// The last column.
    var note: String?
    /// Members `--json` adds (a rejection's reason and files, an unreadable record's path and reason).
    var extra: [String: JSONValue] = [:]

    /// Two rows of one run id are one run, except rejections (a refused duplicate is not the run it repeats).
    var identity: String { source == .rejection ? cursor : "run:" + runId }

    /// How a rejected drop is named to `--after`.
    static let rejectedPrefix = "outbox/rejected/"

    /// A finished run as the index has it.
    init(entry: IndexEntry) {
        status = entry.status.rawValue
        runId = entry.runId
        source = .finished
        position = entry.position
        cursor = entry.runId
        workflow = entry.workflowName
        workflowVersion = entry.workflowVersion
        createdAt = entry.createdAt
        finishedAt = entry.finishedAt
        durationMs = entry.durationMs
        errorCode = entry.errorCode
        errorStep = entry.errorStep
        labels = entry.labels
    }

    /// A run as its record has it.
    init(record: RunRecord, source: Source) {
        status = record.status.rawValue
        runId = record.runId
        self.source = record.status.isFinal ? .finished : source
        position = ListPosition(time: record.createdAt, runId: record.runId)
        cursor = record.runId
        workflow = record.workflowName
        workflowVersion = record.workflowVersion
        createdAt = record.createdAt
        finishedAt = record.finishedAt
        durationMs = record.durationMs
        errorCode = record.error?.code.rawValue
        errorStep = record.error == nil ? nil : record.errorStep
        labels = record.labels
    }

    /// A row with only a status, a run id and a time (a drop, a rejection, an unreadable record); the rest is set after.
    init(status: String, runId: String, source: Source, position: ListPosition, cursor: String) {
        self.status = status
        self.runId = runId
        self.source = source
        self.position = position
        self.cursor = cursor
    }

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "runId": .string(runId), "status": .string(status), "workflow": workflow.map(JSONValue.string) ?? .null,
            "workflowVersion": workflowVersion.map(JSONValue.string) ?? .null, "createdAt": createdAt.map { .string(Timestamp.format($0)) } ?? .null,
            "finishedAt": finishedAt.map { .string(Timestamp.format($0)) } ?? .null, "durationMs": durationMs.map(JSONValue.int) ?? .null,
            "error": errorCode.map { ["code": .string($0), "step": errorStep.map(JSONValue.string) ?? .null] } ?? .null,
            "labels": labels.map { .object($0.mapValues(JSONValue.string)) } ?? .null,
        ]
        o.merge(extra) { _, b in b }
        // What `--after` takes for this row: a rejected drop's is not its run id (the run it repeats has that).
        o["cursor"] = .string(cursor)
        return .object(o)
    }

    /// The table's cells: STATUS, RUN ID, WORKFLOW, CREATED, DURATION and a note.
    var cells: [String] {
        var note = self.note ?? ""
        if note.isEmpty, let errorCode { note = errorStep.map { "\(errorCode) (step \($0))" } ?? errorCode }
        return [
            status, runId, column ?? workflow ?? "-", createdAt.map(Timestamp.format) ?? "-", durationMs.map { "\($0) ms" } ?? "-", note,
        ]
    }
}
