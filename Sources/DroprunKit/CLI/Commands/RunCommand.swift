import Synchronization

/// `droprun run --once`: drains the inbox and exits.
///
/// SIGTERM, SIGINT and SIGHUP stop the pass cleanly: it claims nothing more,
/// lets running steps finish within `--grace-seconds` (default 10), checkpoints
/// the rest for the next runner, removes its heartbeat, prints the summary and
/// exits 1 (the pass did not get to its end).
enum RunCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        guard context.parsed.flag("once") else {
            throw CLIError.usage("'droprun run' needs --once (process the inbox, then exit). See 'droprun run --help'.")
        }
        let configuration = try context.configuration()
        let grace = try context.parsed.intValue("grace-seconds", range: 0...86_400) ?? 10
        let log = try context.runnerLog(configuration)
        let stop = StopToken()
        var engine = context.engine(configuration, log: log)
        engine.stop = stop
        defer { engine.audit.close() }
        context.environment.installStopSignals(stop)
        // A pass has no configuration to read again: SIGHUP (a hangup, a reload sent to the wrong unit) stops it too.
        let hangup = ReloadToken()
        hangup.onRequest { stop.stop() }
        context.environment.installReloadSignal(hangup)
        let progress = showsProgress(context) ? ProgressDisplay(log: log, clock: context.environment.clock, total: inboxCount(context)) : nil
        progress?.start()
        defer { progress?.finish() }
        // Runs left waiting for an approval when the pass ends: one that waits and is then approved (by a
        // control file read in the same pass) and finishes counts once, as finished.
        let waiting = WaitingRuns()
        let summary: RunOnceSummary
        do {
            summary = try await Runner(context: engine).runOnce(grace: .seconds(grace)) { outcome in
                progress?.note(outcome)
                log.outcome(outcome)
                guard let runId = outcome.runId else { return }
                switch outcome.kind {
                case .waiting: waiting.note(runId, waiting: true)
                case .finished: waiting.note(runId, waiting: false)
                case .rejected, .control, .deferred: break
                }
            }
        } catch {
            progress?.finish()
            return stopped(by: error, log: log)
        }
        progress?.finish()
        let stillWaiting = waiting.count
        let runs = summary.count(.succeeded) + summary.count(.failed) + summary.count(.cancelled) + stillWaiting
        let words =
            "\(runs) run\(runs == 1 ? "" : "s"): \(summary.count(.succeeded)) succeeded, \(summary.count(.failed)) failed, \(summary.count(.cancelled)) cancelled, \(stillWaiting) waiting; \(summary.rejected) rejected"
            + (summary.deferred > 0 ? "; \(summary.deferred) left for a later try" : "")
            + (summary.stopped ? "; stopped by a signal before the end (unfinished runs resume at the next pass)" : "")
            + (summary.gc.map {
                $0.removedAnything
                    ? "; gc purged \($0.purged.count) run\($0.purged.count == 1 ? "" : "s") (\(GCReport.sizeText($0.bytesFreed)))" : ""
            } ?? "")
        // `--quiet` keeps the summary of a pass that failed (its level), so cron mails only then.
        log.write(LogLine(at: log.now, event: .onceSummary, level: summary.allSucceeded ? .info : .error, message: words, count: runs))
        return summary.allSucceeded ? .success : .failure
    }

    /// The error that ended a pass, as a log line (`lease.lost`, else `runner.failed`), and its exit code.
    static func stopped(by error: any Error, log: RunnerLog) -> ExitCode {
        if let lost = error as? LostLease ?? (error as? RunnerStopped)?.lostLease {
            log.write(LogLine(at: log.now, event: .leaseLost, message: "droprun: \(lost.description)", runner: lost.runner))
            return .failure
        }
        let failure = CLI.cliError(error)
        log.write(LogLine(at: log.now, event: .runnerFailed, message: "droprun: \(failure.description)", error: failure.kind.rawValue))
        return failure.exitCode
    }

    /// True when the progress line is shown: standard error is a terminal that can clear a line.
    static func showsProgress(_ context: CommandContext) -> Bool {
        context.environment.isTerminal(2) && context.environment.variables["TERM"] != "dumb"
    }

    /// The drops in the inbox now (control messages too: each is one line of the pass).
    static func inboxCount(_ context: CommandContext) -> Int {
        let entries = (try? context.fs.list(context.layout.inbox)) ?? []
        return entries.reduce(0) { $0 + ($1.rawName == nil && InboxScanner.isRequestName($1.name) ? 1 : 0) }
    }

    /// The words of a line that says what became of a dropped file (see `LogLine.init(_:at:)`).
    static func describe(_ outcome: RunOutcome) -> String {
        LogLine.words(outcome)
    }
}

/// The runs of one `run --once` pass that wait for an approval, as outcomes report them.
private final class WaitingRuns: Sendable {
    private let ids = Mutex<Set<String>>([])

    func note(_ runId: String, waiting: Bool) {
        ids.withLock { ids in
            if waiting { ids.insert(runId) } else { ids.remove(runId) }
        }
    }

    var count: Int { ids.withLock { $0.count } }
}

extension String {
    /// The string padded with spaces to `width`.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
