/// What a runner's log line is about: the `event` member of `--log-format json`, stable for shippers to match on.
///
/// Every line `watch` and `run --once` write carries one. Raw values are part
/// of droprun's contract: new ones may come, these do not change.
public enum LogEvent: String, Sendable, Equatable, CaseIterable {
    /// A run reached a final status (`status`, `durationMs`, `error` for the error code).
    case runFinished = "run.finished"
    /// A dropped file was refused (`error` is the rejection reason, `file` the name it was dropped as).
    case runRejected = "run.rejected"
    /// A run waits for an approval.
    case runWaiting = "run.waiting"
    /// A claimed file could not be admitted for now (a disk error); it is tried again later.
    case runDeferred = "run.deferred"
    /// A control message (approval, cancel) was applied.
    case controlApplied = "control.applied"
    /// `watch` started serving the root.
    case runnerStarted = "runner.started"
    /// `watch` stopped (SIGINT, SIGTERM): unfinished runs were checkpointed and released.
    case runnerStopped = "runner.stopped"
    /// The runner stopped on an error it cannot go on after (a disk error).
    case runnerFailed = "runner.failed"
    /// The runner took over a dead runner's runs (`runner` names it, `count` says how many).
    case runnerTakeover = "runner.takeover"
    /// `run --once` ended: its summary line.
    case onceSummary = "once.summary"
    /// `watch` read a changed `droprun.json` and uses it for new runs.
    case configReloaded = "config.reloaded"
    /// `watch` refused a changed `droprun.json` (the line names the key) and keeps the old one.
    case configRefused = "config.refused"
    /// The runner's own gc pass removed old runs (`count` runs).
    case gcPurged = "gc.purged"
    /// Another runner declared this one dead and took its runs: it stopped without writing more.
    case leaseLost = "lease.lost"
    /// Something the runner found and could not use (an unreadable record): said once per process.
    case warning
    /// Anything else an operator should know of (a rebuilt history index).
    case notice

    /// The level of a line of this event when its writer does not say (a finished run's depends on its status).
    public var level: LogLevel {
        switch self {
        case .runFinished, .runWaiting, .controlApplied, .runnerStarted, .runnerStopped, .runnerTakeover, .onceSummary,
            .configReloaded, .gcPurged, .notice:
            .info
        case .runDeferred, .configRefused, .warning: .warning
        case .runRejected, .runnerFailed, .leaseLost: .error
        }
    }

    /// True for what a command reports as its results (standard output); the rest goes to standard error.
    public var isResult: Bool {
        switch self {
        case .runFinished, .runRejected, .runWaiting, .runDeferred, .controlApplied, .runnerStarted, .runnerStopped, .onceSummary:
            true
        case .runnerFailed, .runnerTakeover, .configReloaded, .configRefused, .gcPurged, .leaseLost, .warning, .notice: false
        }
    }
}
