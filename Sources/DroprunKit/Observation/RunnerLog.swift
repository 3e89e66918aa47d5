import Foundation
import Synchronization

/// Where `watch` and `run --once` write their lines: each stamped with the runner's clock, as text or JSON.
///
/// Results (what became of each file, the start, stop and summary) go to
/// standard output, everything else (warnings, notices, errors) to standard
/// error, as they always did: the event of a line decides (`LogEvent.isResult`).
/// Lines are written whole and in order, under one lock, so lines of runs
/// finishing at the same moment never mix.
///
/// A status line (the progress of `run --once` on a terminal, see
/// `ProgressDisplay`) may stand at the bottom of standard error: it is cleared
/// before a line is written to the terminal, and put back after it.
public final class RunnerLog: Sendable {
    private struct State {
        var format: LogFormat
        /// The status line on the terminal now, if any.
        var status: String?
    }

    private let clock: any RunnerClock
    private let output: any OutputSink
    private let errors: any OutputSink
    /// True when the format was given on the command line: a reloaded `droprun.json` does not change it.
    private let formatPinned: Bool
    /// True when the time is written in front of a text line (false: the words alone, as other commands write).
    private let stamped: Bool
    /// True when only `warning` and `error` lines are written (`--quiet`).
    public let quiet: Bool
    /// True when standard output is the terminal the status line stands on (its lines clear the status line too).
    private let outputIsTerminal: Bool
    private let state: Mutex<State>

    /// Clears the line the cursor is on and goes to its start (`\r`, then ANSI "erase in line").
    static let clearLine = "\r\u{1B}[K"

    /// - Parameters:
    ///   - clock: the runner's clock, for each line's time.
    ///   - output: standard output (results).
    ///   - errors: standard error (warnings, notices, errors; the status line).
    ///   - format: text or JSON.
    ///   - formatPinned: true when `format` came from `--log-format` (a reloaded configuration does not change it).
    ///   - quiet: write only `warning` and `error` lines.
    ///   - stamped: write the time in front of text lines.
    ///   - outputIsTerminal: standard output is the terminal standard error's status line stands on.
    public init(
        clock: any RunnerClock, output: any OutputSink, errors: any OutputSink, format: LogFormat = .text, formatPinned: Bool = false,
        quiet: Bool = false, stamped: Bool = true, outputIsTerminal: Bool = false
    ) {
        self.clock = clock
        self.output = output
        self.errors = errors
        self.formatPinned = formatPinned
        self.quiet = quiet
        self.stamped = stamped
        self.outputIsTerminal = outputIsTerminal
        state = Mutex(State(format: format))
    }

    /// The format lines are written in now.
    public var format: LogFormat { state.withLock { $0.format } }

    /// Takes the `logFormat` of a configuration read anew (a reload), unless `--log-format` fixed it.
    public func follow(_ configuration: Configuration) {
        guard !formatPinned else { return }
        state.withLock { $0.format = configuration.logFormat }
    }

    /// The time a line written now carries.
    public var now: Date { clock.now() }

    /// Writes `line` to standard output or standard error (by its event), unless `--quiet` leaves it out.
    public func write(_ line: LogLine) {
        if quiet && line.level < .warning { return }
        let sink = line.event.isResult ? output : errors
        let onTerminal = !line.event.isResult || outputIsTerminal
        state.withLock { state in
            let text = line.rendered(state.format, stamped: stamped)
            guard let status = state.status, onTerminal else {
                sink.line(text)
                return
            }
            errors.write(Self.clearLine)
            sink.line(text)
            errors.write(status)
        }
    }

    /// Writes a line of `event` now (its level the event's, unless given).
    public func say(
        _ event: LogEvent, _ message: String, level: LogLevel? = nil, runner: String? = nil, count: Int? = nil, bytes: Int64? = nil
    ) {
        write(LogLine(at: clock.now(), event: event, level: level, message: message, runner: runner, count: count, bytes: bytes))
    }

    /// Writes what became of a dropped file.
    public func outcome(_ outcome: RunOutcome) {
        write(LogLine(outcome, at: clock.now()))
    }

    /// Puts `text` as the status line at the bottom of standard error, in place of the one there (no newline).
    func showStatus(_ text: String) {
        state.withLock { state in
            errors.write(Self.clearLine + text)
            state.status = text
        }
    }

    /// Removes the status line, if one stands.
    func clearStatus() {
        state.withLock { state in
            guard state.status != nil else { return }
            errors.write(Self.clearLine)
            state.status = nil
        }
    }
}
