import Foundation

/// `droprun stats [--since T] [--until T] [--json]`: what a root did over a window (default: the last 24 hours) and what it holds now.
///
/// Runs are those that finished in the window, read from the history index
/// (`HistoryStats.gather`); without a built index, as `list` does, from
/// `outbox/results/`, saying so on standard error.
enum StatsCommand {
    /// The window when `--since` is not given.
    static let defaultWindow: TimeInterval = 86_400

    static func run(_ context: CommandContext) async throws -> ExitCode {
        context.warnAboutConfiguration()
        let now = context.environment.clock.now()
        let until = try time(context.parsed.value("until"), flag: "--until", now: now) ?? now
        let since = try time(context.parsed.value("since"), flag: "--since", now: now) ?? until.addingTimeInterval(-defaultWindow)
        guard since < until else {
            throw CLIError.usage(
                "'--until' (\(Timestamp.format(until))) is not after '--since' (\(Timestamp.format(since))): the window is empty; give an --until later than --since"
            )
        }
        let layout = context.layout
        let fs = context.fs
        let liveness = context.liveness
        // Reading a root is blocking file work: on a thread of its own, not the pool's.
        let stats = try await context.offThePool { () throws(CLIError) -> HistoryStats in
            let snapshot = RootSnapshot.read(layout: layout, fileSystem: fs, liveness: liveness, now: now)
            do throws(FileSystemError) {
                return try HistoryStats.gather(layout: layout, fileSystem: fs, since: since, until: until, snapshot: snapshot)
            } catch {
                throw CLIError.fileSystem(error)
            }
        }
        warn(about: stats, context)
        if context.json {
            context.printJSON(stats.json)
        } else {
            StatsText.print(stats, to: context.out)
        }
        return .success
    }

    /// A `--since` or `--until`: a duration back from now, an RFC 3339 time or a UTC day.
    static func time(_ text: String?, flag: String, now: Date) throws(CLIError) -> Date? {
        guard let text else { return nil }
        guard let date = DurationText.pointInTime(text, now: now) else {
            throw .usage(
                "invalid value '\(text)' for '\(flag)': expected \(DurationText.expected) back from now, an RFC 3339 time (2026-12-01T10:00:00Z) or a UTC day (2026-12-01)"
            )
        }
        return date
    }

    /// Says on standard error where the runs came from when it was not the index, and what could not be read.
    private static func warn(about stats: HistoryStats, _ context: CommandContext) {
        if stats.source == .results, let what = IndexFolder.problem(layout: context.layout, fileSystem: context.fs) {
            context.err.line("droprun: warning: " + IndexFolder.offMessage(what))
        } else if stats.source == .results {
            context.err.line(
                "droprun: warning: the history index is not built (no outbox/index/.built): read every result in outbox/results/ instead (slow on a large root); 'droprun reindex' builds it"
            )
        }
        for file in stats.unreadable.indexFiles {
            context.err.line(
                "droprun: warning: cannot read \(file.path) (\(file.reason)); the runs it holds are not counted. 'droprun reindex' rebuilds the index"
            )
        }
        if stats.unreadable.indexLines > 0 {
            let lines = stats.unreadable.indexLines == 1 ? "1 line" : "\(stats.unreadable.indexLines) lines"
            context.err.line(
                "droprun: warning: skipped \(lines) of outbox/index/ that could not be read (torn by a crash, or edited); 'droprun reindex' rebuilds the index"
            )
        }
        if stats.unreadable.results > 0 {
            let results = stats.unreadable.results == 1 ? "1 result" : "\(stats.unreadable.results) results"
            context.err.line(
                "droprun: warning: \(results) of outbox/results/ could not be read and are not counted; 'droprun list --status unreadable' names them"
            )
        }
        if stats.runsWithoutSteps > 0 {
            let runs = stats.runsWithoutSteps == 1 ? "1 run's index line keeps" : "\(stats.runsWithoutSteps) runs' index lines keep"
            context.err.line(
                "droprun: note: \(runs) no steps (written by an older droprun): not in the provider table; 'droprun reindex' writes them again")
        }
    }
}
