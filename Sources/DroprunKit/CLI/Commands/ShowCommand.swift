/// `droprun show RUN_ID`: a run's whole record, for people or as JSON.
enum ShowCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let runId = context.parsed.argument("run_id") ?? ""
        guard case .record(let record, let path) = try RunLookup.find(runId, in: context) else {
            if context.json {
                context.printJSON(["runId": .string(runId), "status": "queued"])
            } else {
                context.out.line("run \(runId): queued (no record yet; it has not been started)")
            }
            return .success
        }
        if context.json {
            context.printJSON(record.json)
            return .success
        }
        let out = context.out
        out.line("run       \(record.runId): \(record.status.rawValue)")
        out.line("record    \(context.layout.relative(path))")
        out.line("workflow  \(record.workflowName)" + (record.workflowVersion.map { " (version \($0))" } ?? "")
                 + (record.workflowFile.map { ", from \($0)\(record.workflowLatest ? " as it was at retry --latest" : "")" } ?? "")
                 + (record.workflowSHA256.map { ", sha256 \($0)" } ?? ""))
        out.line("request   \(record.requestFile), \(record.requestSize) bytes, sha256 \(record.requestSHA256.prefix(16))..., received \(Timestamp.format(record.receivedAt))")
        if let retryOf = record.retryOf { out.line("retry of  \(retryOf)") }
        if !record.labels.isEmpty {
            out.line("labels    " + record.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        out.line("created   \(Timestamp.format(record.createdAt))")
        if let s = record.startedAt { out.line("started   \(Timestamp.format(s))") }
        if let f = record.finishedAt { out.line("finished  \(Timestamp.format(f))" + (record.durationMs.map { " (\($0) ms)" } ?? "")) }
        out.line("steps")
        let width = max(4, record.steps.map(\.id.count).max() ?? 4)
        for step in record.steps {
            var line = "  \(step.id.padding(width))  \(step.provider.padding(9))  \(step.status.rawValue.padding(9))  \(step.attempts) attempt\(step.attempts == 1 ? "" : "s")"
            if let s = step.startedAt, let f = step.finishedAt { line += "  \(f.milliseconds(since: s)) ms" }
            out.line(line)
            if let output = step.output { out.line("      output: \(output.preview)") }
            if let error = step.error { out.line("      error:  \(error.code): \(error.message)") }
        }
        if let output = record.output { out.line("output    \(JSONWriter.compact(output))") }
        if !record.artifacts.isEmpty {
            out.line("artifacts")
            for a in record.artifacts { out.line("  \(a.path)  \(a.size) bytes  \(a.mediaType)  (step \(a.step))") }
        }
        if let error = record.error {
            out.line("error     \(error.code) in step '\(record.errorStep ?? "?")': \(error.message)")
        }
        if let approval = record.approval {
            out.line("waiting   step '\(approval.step)' asks: \(approval.message)" + (approval.expiresAt.map { " (expires \(Timestamp.format($0)))" } ?? ""))
            out.line("          answer with: droprun approve \(record.runId)   or   droprun reject \(record.runId)")
        }
        return .success
    }
}
