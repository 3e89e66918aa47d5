/// Why the watch loop woke up.
enum Wake: Sendable {
    /// Something arrived in the inbox (inotify), or a settle time passed.
    case inbox
    /// The poll interval passed (the fallback for file systems without events).
    case tick
    /// A run ended, waits, or was interrupted.
    case finished([RunOutcome])
    /// A worker failed in a way that stops the runner (a lost lease, a disk error).
    case failed(RunnerStopped.Cause)
    /// SIGTERM or SIGINT.
    case stop
    /// A reload of `droprun.json` was asked for (SIGHUP).
    case reload
    /// The grace period after a stop is over: interrupt what still runs.
    case graceOver
}

extension Wake {
    var isTick: Bool { if case .tick = self { true } else { false } }
    var isArrival: Bool {
        switch self {
        case .inbox, .tick: true
        case .finished, .failed, .stop, .reload, .graceOver: false
        }
    }
}
