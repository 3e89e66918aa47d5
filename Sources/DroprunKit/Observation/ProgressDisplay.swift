import Foundation
import Synchronization

/// The progress line of `run --once` on a terminal: one line at the bottom of standard error, redrawn at most ten
/// times a second, cleared before any other line and at the end.
///
/// Shown only when standard error is a terminal (never on a pipe, a file or
/// under cron, whose standard error is a pipe to mail). Its ticks sleep on the
/// runner's clock (an `await`, never a blocked thread of the pool), and each
/// draw is a few dozen bytes written under the log's lock.
public final class ProgressDisplay: Sendable {
    /// The least time between two draws.
    public static let interval: Duration = .milliseconds(100)

    private struct State {
        var line: ProgressLine
        var drawnAt: Date?
        var ticker: Task<Void, Never>?
        var finished = false
    }

    private let log: RunnerLog
    private let clock: any RunnerClock
    private let state: Mutex<State>

    /// A display of a pass that counted `total` drops at its start (now, by `clock`).
    public init(log: RunnerLog, clock: any RunnerClock, total: Int) {
        self.log = log
        self.clock = clock
        state = Mutex(State(line: ProgressLine(total: total, startedAt: clock.now())))
    }

    /// Draws the first line and starts the ticks that redraw it.
    public func start() {
        refresh()
        let clock = clock
        let ticker = Task.detached { [self] in
            while !Task.isCancelled {
                do {
                    try await clock.sleep(for: Self.interval)
                } catch {
                    return
                }
                refresh()
            }
        }
        state.withLock { state in
            if state.finished { ticker.cancel() } else { state.ticker = ticker }
        }
    }

    /// Counts what became of one file (drawn at the next tick).
    public func note(_ outcome: RunOutcome) {
        state.withLock { $0.line.note(outcome) }
    }

    /// What the line says now.
    public var line: ProgressLine { state.withLock { $0.line } }

    /// Draws the line, unless it was drawn less than `interval` ago (by the clock) or the pass is over.
    func refresh() {
        state.withLock { state in
            guard !state.finished else { return }
            let now = clock.now()
            if let drawn = state.drawnAt, now.timeIntervalSince(drawn) * 1000 < Self.interval.milliseconds { return }
            state.drawnAt = now
            // Drawn under this lock, so a draw computed before `finish` never lands after its clearing.
            log.showStatus(state.line.text(at: now))
        }
    }

    /// Stops the ticks and clears the line: the pass is over.
    public func finish() {
        let ticker = state.withLock { state -> Task<Void, Never>? in
            state.finished = true
            log.clearStatus()
            defer { state.ticker = nil }
            return state.ticker
        }
        ticker?.cancel()
    }
}
