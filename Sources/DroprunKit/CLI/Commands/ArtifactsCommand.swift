/// `droprun artifacts RUN_ID`: the files a run wrote.
enum ArtifactsCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let runId = context.parsed.argument("run_id") ?? ""
        guard case .record(let record, _) = try RunLookup.find(runId, in: context) else {
            if context.json { context.printJSON([]) } else { context.out.line("run \(runId) is queued; it has no artifacts yet") }
            return .success
        }
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
