import Synchronization

/// Where a runner says what it found and could not use (an unreadable record), each thing once, and what it did that
/// an operator should know of (a takeover, a gc pass, a reload).
///
/// The runner goes on without such a file, so it must say so: `run --once`
/// and `watch` write these lines to standard error through their `RunnerLog`
/// (stamped, text or JSON). A `watch` looks at the same files every few
/// hundred milliseconds, so each warning is written once per process, however
/// often it is found again.
public final class RunnerWarnings: Sendable {
    /// The log lines are written to; nil: only kept, for tests and embedders to read.
    public let log: RunnerLog?
    // Guarded by the mutex: messages already written, in order, and the notices.
    private let said = Mutex<(seen: Set<String>, order: [String], notices: [String], events: [LogEvent])>(([], [], [], []))

    /// Writes each warning and notice through `log` (nil: only kept, for tests and embedders to read).
    public init(log: RunnerLog? = nil) { self.log = log }

    /// Writes each warning as a plain line to `sink`, without a time in front (the commands other than `watch` and `run --once`).
    ///
    /// - Parameter clock: the times of the lines' JSON (`log.now`); the command line passes its environment's, the
    ///   default is for embedders.
    public convenience init(sink: any OutputSink, clock: any RunnerClock = SystemClock()) {
        self.init(log: RunnerLog(clock: clock, output: sink, errors: sink, stamped: false))
    }

    /// Reports `message` (`droprun: warning: <message>`), unless it was reported already.
    public func warn(_ message: String) {
        let isNew = said.withLock { state in
            guard state.seen.insert(message).inserted else { return false }
            state.order.append(message)
            return true
        }
        if isNew { log?.say(.warning, "droprun: warning: " + message) }
    }

    /// Says what the runner did that an operator should know of (a rebuilt index): `droprun: <message>`, every time.
    public func notice(_ message: String) {
        notice(.notice, message)
    }

    /// Says what the runner did, as a line of `event` (`droprun: <message>`), every time: a takeover, a gc pass, a
    /// reloaded or refused configuration (`notice(.configReloaded, "...")`).
    ///
    /// - Parameters:
    ///   - runner: the runner the line is about (`runner.takeover`: the dead one).
    ///   - count: how many (`runner.takeover`: runs; `gc.purged`: runs removed).
    ///   - bytes: how many bytes (`gc.purged`: freed).
    public func notice(_ event: LogEvent, _ message: String, runner: String? = nil, count: Int? = nil, bytes: Int64? = nil) {
        said.withLock {
            $0.notices.append(message)
            $0.events.append(event)
        }
        log?.say(event, "droprun: " + message, runner: runner, count: count, bytes: bytes)
    }

    /// Every notice said so far, in order.
    public var notices: [String] { said.withLock { $0.notices } }

    /// The event of every notice said so far, in order.
    public var noticeEvents: [LogEvent] { said.withLock { $0.events } }

    /// Reports a file the runner cannot read back (a missing file is not worth a word).
    func unreadable(_ problem: UnreadableRecord) {
        guard !problem.isNotFound else { return }
        warn(problem.description)
    }

    /// Every warning reported so far, in order.
    public var messages: [String] { said.withLock { $0.order } }
}
