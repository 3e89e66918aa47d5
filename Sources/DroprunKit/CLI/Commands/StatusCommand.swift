/// `droprun status RUN_ID`: one line about where a run is.
enum StatusCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let runId = context.parsed.argument("run_id") ?? ""
        switch try RunLookup.find(runId, in: context) {
        case .record(let record, let path):
            if context.json {
                var o: [String: JSONValue] = [
                    "runId": .string(record.runId), "status": .string(record.status.rawValue), "record": .string(context.layout.relative(path)),
                    "durationMs": record.durationMs.map(JSONValue.int) ?? .null,
                    "error": record.error.map { $0.json(step: record.errorStep) } ?? .null,
                    "approval": record.approval?.json ?? .null,
                ]
                o["steps"] = .object(Dictionary(uniqueKeysWithValues: record.steps.map { ($0.id, JSONValue.string($0.status.rawValue)) }))
                context.printJSON(.object(o))
            } else {
                let done = record.steps.filter { $0.status == .succeeded }.count
                var line = "\(record.runId): \(record.status.rawValue) (\(done)/\(record.steps.count) steps succeeded"
                if let ms = record.durationMs { line += ", \(ms) ms" }
                line += ")"
                if let error = record.error { line += " - \(error.code) in step '\(record.errorStep ?? "?")': \(error.message)" }
                if let approval = record.approval {
                    line += " - step '\(approval.step)' asks: \(approval.message)"
                    if let expires = approval.expiresAt { line += " (expires \(Timestamp.format(expires)))" }
                    line += "; answer with droprun approve|reject \(record.runId)"
                }
                context.out.line(line)
            }
        case .queued(let path):
            if context.json {
                context.printJSON(["runId": .string(runId), "status": "queued", "record": .string(context.layout.relative(path))])
            } else {
                context.out.line("\(runId): queued (\(context.layout.relative(path)))")
            }
        }
        return .success
    }
}
