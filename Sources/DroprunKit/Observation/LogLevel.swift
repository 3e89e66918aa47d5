/// How much a log line matters: `info` is what went as planned, `warning` what an operator may look at, `error` what
/// went wrong.
///
/// `--quiet` keeps `warning` and `error` lines (and the summary of a pass that had something to say).
public enum LogLevel: String, Sendable, Equatable, CaseIterable, Comparable {
    /// What went as planned: a run that succeeded, a start, a reload.
    case info
    /// Something to look at: a file the runner cannot read, a cancelled run, a refused configuration.
    case warning
    /// Something went wrong: a run failed, a file was rejected, the runner lost its lease or stopped on an error.
    case error

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        }
    }
}
