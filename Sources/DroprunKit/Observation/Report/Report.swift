import Foundation

/// Everything one report page shows, read from a root: the past from the history index, the present from `RootSnapshot`.
///
/// What it reads, so a large root stays cheap: the index lines of the
/// window (or, with no built index, the results modified in it); the
/// results of a few failed runs per error code (their messages); the results
/// of the last `timelineRuns` runs and, for those of them that retried a step
/// or waited for an approval, their events in the audit segments that can
/// hold them; and the live records and heartbeats (`RootSnapshot`). Never
/// every record.
struct Report: Sendable {
    /// The root, as the page names it.
    var root: String
    /// When the report was made.
    var generatedAt: Date
    /// The window's start (nil: every finished run).
    var since: Date?
    /// The window's runs.
    var window: ReportWindow
    /// The figures counted from them.
    var summary: ReportSummary
    /// Failures by error code.
    var failures: [FailureGroup]
    /// Error codes beyond `FailureGroup.maxGroups`, and how many runs they hold.
    var otherFailures: (codes: Int, runs: Int) = (0, 0)
    /// The present: inbox, running runs, waiting approvals, runners.
    var snapshot: RootSnapshot
    /// Step timelines of the newest runs of the window, newest first.
    var timelines: [RunTimeline]
    /// What could not be read (said on standard error too).
    var problems: [String]

    /// Reads the report of `layout`'s root for the window from `since` to `now`.
    static func read(
        layout: RootLayout, fileSystem: any FileSystem, liveness: Liveness, now: Date, since: Date?, timelineRuns: Int,
        windowLimit: Int = ReportWindow.defaultLimit
    ) -> Report {
        let window = ReportWindow.read(layout: layout, fileSystem: fileSystem, since: since, limit: windowLimit)
        let oldest = window.entries.last?.createdAt ?? now
        var from = since ?? oldest
        // A window much longer than its runs (a --since of years) is charted from its oldest run.
        if now.timeIntervalSince(from) > 31 * 86_400 { from = max(from, min(oldest, now)) }
        let summary = ReportSummary(entries: window.entries, from: from, through: now)
        let failures = FailureGroup.groups(window.entries, layout: layout, fileSystem: fileSystem)
        let coded = window.entries.filter { $0.status == .failed && $0.errorCode != nil }
        let shownRuns = failures.reduce(0) { $0 + $1.count }
        let codes = Set(coded.compactMap(\.errorCode)).count
        var problems = window.problems
        var records: [(IndexEntry, RunRecord)] = []
        for entry in window.entries.prefix(max(timelineRuns, 0)) {
            switch RunLocator.readRecord(layout.result(entry.runId), fs: fileSystem) {
            case .record(let record): records.append((entry, record))
            case .unreadable(let reason): problems.append("cannot read outbox/results/\(entry.runId).json (\(reason)): no timeline for it")
            case .missing: continue
            }
        }
        // Only runs whose record cannot tell their attempts' times, or their waits, need the audit.
        let needEvents = records.filter { _, record in record.steps.contains { $0.attempts > 1 || $0.provider == "approval" } }
        let events = TimelineEventReader(layout: layout, fileSystem: fileSystem).events(
            needEvents.map { entry, record in
                .init(runId: entry.runId, createdAt: record.createdAt, finishedAt: record.finishedAt ?? entry.finishedAt, audit: entry.audit)
            })
        var report = Report(
            root: layout.root, generatedAt: now, since: since, window: window, summary: summary, failures: failures,
            snapshot: RootSnapshot.read(layout: layout, fileSystem: fileSystem, liveness: liveness, now: now),
            timelines: records.map { RunTimeline(record: $1, events: events[$1.runId] ?? []) }, problems: problems)
        report.otherFailures = (codes - failures.count, coded.count - shownRuns)
        for unreadable in report.snapshot.unreadable { report.problems.append("cannot read a live record: \(unreadable)") }
        return report
    }

    /// True when the root has nothing to show yet: no finished run in the window and nothing waiting or running.
    var isEmpty: Bool {
        window.entries.isEmpty && snapshot.running == 0 && snapshot.waiting.isEmpty && snapshot.inboxDepth == 0
    }
}
