/// `droprun artifacts RUN_ID`: the files a run wrote.
enum ArtifactsCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let record: RunRecord
        let found = try RunLookup.find(context.parsed.argument("run_id") ?? "", in: context)
        switch found {
        case .purged, .purging:
            throw PurgedRunText.refusal(found, doing: "list: its artifacts were removed")
        case .record(let r, _):
            record = r
        case .queued(let runId, _):
            if context.json { context.printJSON([]) } else { context.out.line("run \(runId) is queued; it has no artifacts yet") }
            return .success
        case .rejected(let drop):
            throw CLIError.failed(
                "\(drop.file) was rejected (\(drop.reason)); it never ran, so it has no artifacts (droprun status \(drop.runId) says why)")
        }
        let runId = record.runId
        if context.json {
            context.printJSON(.array(record.artifacts.map(\.json)))
            return .success
        }
        if record.artifacts.isEmpty {
            context.out.line("run \(runId) has no artifacts")
            return .success
        }
        for a in record.artifacts {
            context.out.line("\(a.path)  \(a.size) bytes  \(a.mediaType)  sha256 \(a.sha256)  (step \(a.step))")
        }
        return .success
    }
}
