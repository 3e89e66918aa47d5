/// `droprun watch`: serves the root until SIGINT or SIGTERM; SIGHUP (or a change of the file) reloads `droprun.json`.
///
/// The command line's values (`--concurrency`, `--durability`, ...) win over
/// the file at start and after every reload.
enum WatchCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        var overrides = try context.overrides()
        overrides.pollIntervalMs = try context.parsed.intValue("poll-interval-ms", range: 10...3_600_000)
        var configuration = try context.configuration()
        configuration = overrides.applied(to: configuration)
        let grace = try context.parsed.intValue("grace-seconds", range: 0...86_400) ?? 10
        let log = try context.runnerLog(configuration)
        let stop = StopToken()
        var engine = context.engine(configuration, log: log)
        engine.stop = stop
        defer { engine.audit.close() }
        context.environment.installStopSignals(stop)
        let reload = ReloadToken()
        context.environment.installReloadSignal(reload)
        log.say(
            .runnerStarted,
            "watching \(context.root) (concurrency \(configuration.concurrency), \(configuration.durability.rawValue) durability, polling every \(configuration.pollIntervalMs) ms\(FolderWatcher.isAvailable ? " plus inotify" : "")); stop with Ctrl-C or SIGTERM"
        )
        do {
            try await Runner(context: engine).watch(
                grace: .seconds(grace), reload: ConfigurationReload(overrides: overrides, requests: reload)
            ) { outcome in
                log.outcome(outcome)
            }
        } catch let error as RunnerStopped {
            let lost = error.lostLease
            log.write(
                LogLine(
                    at: log.now, event: lost == nil ? .runnerFailed : .leaseLost, message: "droprun: \(error.description)", runner: lost?.runner))
            return .failure
        }
        log.say(.runnerStopped, "stopped; unfinished runs were checkpointed and released for the next runner")
        return .success
    }
}
