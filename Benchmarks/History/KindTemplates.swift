import DroprunKit
import Foundation

/// Everything written for one run of a kind at one timing, as byte templates (see `ByteTemplate`).
struct KindTemplates: Sendable {
    /// One audit event of the run.
    struct Event: Sendable {
        /// Milliseconds after the run's creation.
        var offsetMs: Int64
        var name: [UInt8]
        /// The event's `data`, canonical compact JSON.
        var data: ByteTemplate
    }

    var kind: Int
    var status: RunStatus
    var errorCode: String?
    /// The dropped request, kept in `outbox/requests/`.
    var request: ByteTemplate
    /// `outbox/results/<id>.json`.
    var result: ByteTemplate
    /// The index line.
    var index: ByteTemplate
    /// `artifacts/<id>/manifest.json` and the artifact's content, for a run that writes one.
    var manifest: ByteTemplate?
    var artifact: ByteTemplate?
    var artifactName = "report.txt"
    /// The applied cancel in `outbox/control/`, for a cancelled run, and when it arrived.
    var control: ByteTemplate?
    var controlOffsetMs: Int64 = 0
    var events: [Event] = []
    /// The same events as DroprunKit's typed values with sentinel values (`HistorySelfCheck` feeds them to a real `AuditLog`).
    var typedEvents: [(offsetMs: Int64, event: AuditEvent)] = []
    /// When the run finished, after its creation.
    var finishMs: Int64 = 0
    /// When its last step began (the artifact's time).
    var artifactMs: Int64 = 0

    /// Renders a kind's run once through DroprunKit with sentinel values, at `scale` of its steps' times.
    ///
    /// - Parameter idLength: the length of the generated run ids (the artifact's size depends on it).
    init(kind kindIndex: Int, _ kind: RunKind, scale: Double, idLength: Int) throws {
        self.kind = kindIndex
        status = kind.status
        let at = ByteTemplate.sentinelDate
        func scaled(_ ms: Int64) -> Int64 { max(ms == 0 ? 0 : 1, Int64((Double(ms) * scale).rounded())) }
        var events: [(Int64, AuditEvent)] = []
        let workflow = Workflow(
            name: kind.workflow, version: kind.version,
            steps: kind.steps.map { StepDefinition(id: $0.id, provider: $0.provider, with: $0.with) })
        let requestJSON: JSONValue = [
            "id": "@@RUNID@@", "workflow": kind.workflowJSON, "input": kind.input, "labels": ["tenant": "@@TENANT@@"],
        ]
        request = try ByteTemplate(JSONWriter.compactBytes(requestJSON) + [0x0A])
        let workflowSHA = SHA256.hex(JSONWriter.compactBytes(kind.workflowJSON))

        var record = RunRecord(
            runId: "@@RUNID@@", workflow: workflow, requestFile: "@@RUNID@@.json", requestSHA256: "@@REQSHA@@",
            requestSize: ByteTemplate.sentinelSize, receivedAt: at(0), createdAt: at(0))
        record.workflowSHA256 = workflowSHA
        record.labels = ["tenant": "@@TENANT@@"]
        record.runner = "@@ACTOR@@"
        record.runnerId = "@@RUNNER@@"
        events.append((0, .runQueued(file: "@@RUNID@@.json", workflow: kind.workflow, sha256: "@@REQSHA@@", workflowSHA256: workflowSHA)))
        var cursor = scaled(4)
        try record.apply(.start)
        record.startedAt = at(cursor)
        events.append((cursor, .runStarted(runner: "@@ACTOR@@")))
        var ended = false
        for (j, step) in kind.steps.enumerated() {
            if ended {
                try record.steps[j].apply(.skip)
                events.append((cursor, .stepSkipped(step: step.id, reason: .runFailed)))
                continue
            }
            record.steps[j].startedAt = at(cursor)
            try record.steps[j].apply(.start)
            events.append((cursor, .stepStarted(step: step.id, provider: step.provider, attempt: 1)))
            switch kind.outcome {
            case .failed(let failing, let failure, let retries, let ms) where failing == j:
                let attemptMs = failure.code == .stepTimeout ? ms : scaled(ms)
                for attempt in 1...(retries + 1) {
                    cursor += attemptMs
                    if attempt <= retries {
                        let delay = Int64(200 << (attempt - 1))
                        events.append((cursor, .stepRetry(step: step.id, attempt: attempt, failure, delayMs: Int(delay))))
                        cursor += delay
                        events.append((cursor, .stepStarted(step: step.id, provider: step.provider, attempt: attempt + 1)))
                    } else {
                        events.append((cursor, .stepFailed(step: step.id, attempt: attempt, failure)))
                    }
                }
                record.steps[j].attempts = retries + 1
                record.steps[j].error = failure
                if step.provider == "exec" { record.steps[j].stderr = step.stderr }
                record.steps[j].finishedAt = at(cursor)
                try record.steps[j].apply(.fail)
                record.error = failure
                record.errorStep = step.id
                ended = true
            case .cancelled(let cancelled, let by, let afterMs) where cancelled == j:
                controlOffsetMs = cursor + afterMs
                events.append(
                    (controlOffsetMs, .cancelReceived(by: by, source: ControlSource(file: "@@CTLFILE@@", sha256: "@@CTLSHA@@"))))
                cursor = controlOffsetMs + 2
                record.steps[j].attempts = 1
                record.steps[j].error = StepFailure(.cancelled, "the run was cancelled")
                record.steps[j].finishedAt = at(cursor)
                try record.steps[j].apply(.fail)
                record.error = StepFailure(.cancelled, "the run was cancelled by \(by)")
                record.errorStep = step.id
                control = try ByteTemplate(JSONWriter.prettyBytes(["by": .string(by), "kind": "cancel", "runId": "@@RUNID@@"]) + [0x0A])
                ended = true
            default:
                let ms = scaled(step.ms)
                record.steps[j].attempts = 1
                if step.provider == "artifact" {
                    let content = "Weekly report for run "
                    let entry = ArtifactEntry(
                        name: artifactName, path: "artifacts/@@RUNID@@/\(artifactName)", size: content.utf8.count + idLength,
                        sha256: "@@ARTSHA@@", mediaType: "text/plain", step: step.id)
                    artifact = try ByteTemplate(Array((content + "@@RUNID@@").utf8))
                    manifest = try ByteTemplate(JSONWriter.prettyBytes(["runId": "@@RUNID@@", "artifacts": [entry.json]]))
                    record.artifacts.append(entry)
                    record.steps[j].output = [
                        "name": .string(entry.name), "path": .string(entry.path), "sha256": "@@ARTSHA@@", "size": .int(entry.size),
                    ]
                    artifactMs = cursor + ms
                    events.append((cursor + ms, .artifactWritten(entry)))
                } else {
                    record.steps[j].output = step.output
                }
                cursor += ms
                record.steps[j].finishedAt = at(cursor)
                try record.steps[j].apply(.succeed)
                events.append((cursor, .stepSucceeded(step: step.id, attempt: 1, durationMs: Int(ms))))
            }
        }
        record.finishedAt = at(cursor)
        finishMs = cursor
        let durationMs = Int(cursor - scaled(4))
        switch kind.outcome {
        case .succeeded:
            try record.apply(.succeed)
            events.append((cursor, .runSucceeded(durationMs: durationMs)))
        case .failed(let j, let failure, _, _):
            try record.apply(.fail)
            events.append((cursor, .runFailed(failure, step: kind.steps[j].id, durationMs: durationMs)))
        case .cancelled(let j, _, _):
            try record.apply(.cancel)
            events.append((cursor, .runCancelled(step: kind.steps[j].id)))
        }
        errorCode = record.error?.code.rawValue
        result = try ByteTemplate(record.prettyBytes)
        guard let entry = IndexEntry(record: record, audit: ["@@AUDIT@@"]) else { throw BenchError("history: \(kind.label) did not finish") }
        self.index = try ByteTemplate(entry.line)
        typedEvents = events.map { (offsetMs: $0.0, event: $0.1) }
        self.events = try events.map { offset, event in
            Event(offsetMs: offset, name: Array(event.name.rawValue.utf8), data: try ByteTemplate(JSONWriter.compactBytes(.object(event.data))))
        }
        guard result.count(.runId) >= 1, index.count(.audit) == 1,
            result.pieces.filter({ if case .requestSize = $0 { return true } else { return false } }).count == 1
        else { throw BenchError("history: a sentinel went missing in the templates of \(kind.label)") }
    }
}
