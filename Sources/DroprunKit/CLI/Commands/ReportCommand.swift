import Foundation

/// `droprun report [--since T] [-o FILE] [--runs N]`: one self-contained HTML page about the root.
///
/// Written to `report.html` in the working folder unless `-o` names another
/// file (`-o -`: standard output), atomically (a temporary file beside it,
/// then a rename), so a web server or a browser never shows half a page.
/// What could not be read is said on standard error and on the page; the
/// report is written all the same (exit 0). Exit 1 when the file cannot be
/// written, 2 on a usage error.
enum ReportCommand {
    /// The window when `--since` is not given.
    static let defaultSince = "24h"
    /// Step timelines when `--runs` is not given.
    static let defaultRuns = 20

    static func run(_ context: CommandContext) async throws -> ExitCode {
        let now = context.environment.clock.now()
        let sinceText = context.parsed.value("since") ?? defaultSince
        guard let since = DurationText.pointInTime(sinceText, now: now) else {
            throw CLIError.usage(
                "invalid value '\(sinceText)' for '--since': expected \(DurationText.expected) back from now, an RFC 3339 time (2026-12-01T10:00:00Z) or a UTC day (2026-12-01)"
            )
        }
        let runs = try context.parsed.intValue("runs", range: 0...500) ?? defaultRuns
        let output = context.parsed.value("output") ?? "report.html"
        guard !output.isEmpty else { throw CLIError.usage("invalid value '' for '-o': expected a file name, or - for standard output") }
        let layout = context.layout
        let fs = context.fs
        let liveness = context.liveness
        // Reading a root is blocking file work: on a thread of its own, not the pool's.
        let report = await context.offThePool {
            Report.read(layout: layout, fileSystem: fs, liveness: liveness, now: now, since: since, timelineRuns: runs)
        }
        for problem in report.problems { context.err.line("droprun: warning: \(problem)") }
        let html = ReportPage(report: report).html
        if output == "-" {
            context.out.write(html)
            return .success
        }
        let path = context.absolute(output)
        if (try? fs.info(path))?.type == .directory {
            throw CLIError.failed("cannot write the report to '\(output)': it is a folder; name a file (-o \(output)/report.html)")
        }
        do {
            try fs.writeAtomically(path, Array(html.utf8), sync: false)
        } catch {
            throw CLIError.failed("cannot write the report to '\(output)' (\(error)); name a file you can write with -o, or -o - for standard output")
        }
        let finished = report.window.entries.count
        context.out.line(
            "wrote \(output): \(finished) finished run\(finished == 1 ? "" : "s") since \(Timestamp.format(since)), \(report.timelines.count) step timeline\(report.timelines.count == 1 ? "" : "s")"
        )
        return .success
    }
}
