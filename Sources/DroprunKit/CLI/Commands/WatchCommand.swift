/// `droprun watch`: serves the root until SIGINT, SIGTERM or SIGHUP.
enum WatchCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        var configuration = try context.configuration()
        if let n = try context.parsed.intValue("poll-interval-ms", range: 10...3_600_000) { configuration.pollIntervalMs = n }
        let grace = try context.parsed.intValue("grace-seconds", range: 0...86_400) ?? 10
        let stop = StopToken()
        var engine = context.engine(configuration)
        engine.stop = stop
        defer { engine.audit.close() }
        context.environment.installStopSignals(stop)
        let out = context.out
        out.line(
            "watching \(context.root) (concurrency \(configuration.concurrency), \(configuration.durability.rawValue) durability, polling every \(configuration.pollIntervalMs) ms\(FolderWatcher.isAvailable ? " plus inotify" : "")); stop with Ctrl-C or SIGTERM"
        )
        do {
            try await Runner(context: engine).watch(grace: .seconds(grace)) { outcome in
                out.line(RunCommand.describe(outcome))
            }
        } catch let error as RunnerStopped {
            throw CLIError.failed(error.description)
        }
        out.line("stopped; unfinished runs were checkpointed and released for the next runner")
        return .success
    }
}
