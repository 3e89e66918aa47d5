import Foundation

/// `droprun stats` for people: a heading, then compact tables (workflows, tenants, providers, rejections) and the present.
///
/// ```
/// runs finished 2026-12-01T12:00:00.000Z to 2026-12-02T12:00:00.000Z (24h), from the history index
/// 1234 runs: 1200 succeeded, 30 failed, 4 cancelled; 0.86 a minute
/// last hour  ▁▁▂▃▅▇█▇▅▃ … (at most 12 a minute)
///
/// WORKFLOW   RUNS  SUCCEEDED  FAILED  CANCELLED  P50    P95   P99
/// summarize  1000  990        8       2          812ms  2.1s  4.0s
/// ```
enum StatsText {
    static func print(_ stats: HistoryStats, to out: any OutputSink) {
        let source = stats.source == .index ? "from the history index" : "from outbox/results/ (the index is not built)"
        out.line(
            "runs finished \(Timestamp.format(stats.since)) to \(Timestamp.format(stats.until)) (\(duration(stats.until.timeIntervalSince(stats.since)))), \(source)"
        )
        let r = stats.runs
        out.line(
            "\(plural(r.total, "run")): \(r.succeeded) succeeded, \(r.failed) failed, \(r.cancelled) cancelled; \(rate(stats.runsPerMinute)) a minute"
        )
        if let peak = stats.lastHour.runs.max(), peak > 0 {
            let minutes = stats.lastHour.runs.count
            out.line("last \(minutes == 60 ? "hour" : plural(minutes, "minute"))  \(sparkline(stats.lastHour.runs))  (at most \(peak) a minute)")
        }
        if !stats.workflows.isEmpty {
            out.line("")
            let rows = stats.workflows.sorted { $0.key < $1.key }.map { name, w in [name] + counts(w.runs) + spread(w.durationMs) }
            table(["WORKFLOW", "RUNS", "SUCCEEDED", "FAILED", "CANCELLED", "P50", "P95", "P99"], rows, to: out)
        }
        if !stats.tenants.isEmpty {
            out.line("")
            var rows = stats.tenants.sorted { $0.key < $1.key }.map { [$0.key] + counts($0.value) }
            if stats.withoutTenant.total > 0 { rows.append(["(no tenant)"] + counts(stats.withoutTenant)) }
            table(["TENANT", "RUNS", "SUCCEEDED", "FAILED", "CANCELLED"], rows, to: out)
        }
        if !stats.providers.isEmpty {
            out.line("")
            let rows = stats.providers.sorted { $0.key < $1.key }.map { name, p in
                [name, String(p.steps), String(p.failed), String(p.retries)] + spread(p.durationMs)
            }
            table(["PROVIDER", "STEPS", "FAILED", "REPEATS", "P50", "P95", "P99"], rows, to: out)
            out.line("REPEATS: attempts beyond the first (retries, and runs again after a crash or stop)")
        }
        if !stats.rejections.isEmpty {
            out.line("")
            let rows = stats.rejections.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { [$0.key, String($0.value)] }
            table(["REJECTED", "DROPS"], rows, to: out)
        }
        out.line("")
        let inbox = stats.inbox
        let approvals = stats.approvals
        let claimed = stats.claimed
        let claims =
            claimed.depth == 0
            ? "" : ", \(claimed.depth) claimed not started\(claimed.oldestAgeSeconds.map { " (oldest \(duration($0)))" } ?? "")"
        out.line("now: inbox \(plural(inbox.depth, "drop"))\(inbox.oldestAgeSeconds.map { " (oldest \(duration($0)))" } ?? "")\(claims)")
        out.line(
            "now: \(approvals.waiting) waiting for approval\(approvals.oldestAgeSeconds.map { " (oldest \(duration($0)))" } ?? ""), \(approvals.overdue) overdue"
        )
    }

    /// RUNS, SUCCEEDED, FAILED, CANCELLED.
    private static func counts(_ c: HistoryStats.StatusCounts) -> [String] {
        [String(c.total), String(c.succeeded), String(c.failed), String(c.cancelled)]
    }

    /// P50, P95, P99; `-` each without durations.
    private static func spread(_ p: Percentiles?) -> [String] {
        guard let p else { return ["-", "-", "-"] }
        return [p.p50, p.p95, p.p99].map { milliseconds($0) }
    }

    /// Left-aligned columns two spaces apart, trailing spaces cut.
    static func table(_ header: [String], _ rows: [[String]], to out: any OutputSink) {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        for row in [header] + rows {
            var text = row.enumerated().map { i, cell in cell.padding(widths[i]) }.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            out.line(text)
        }
    }

    /// `812ms`, `2.1s`, `3m12s`, `1h05m`, `2d03h`.
    static func milliseconds(_ ms: Int) -> String {
        if ms < 1000 { return "\(ms)ms" }
        return duration(Double(ms) / 1000)
    }

    /// `45s`, `2.1s`, `3m12s`, `1h05m`, `2d03h`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.1fs", seconds) }
        let s = Int(seconds.rounded(.down))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + (s % 60 == 0 ? "" : String(format: "%02ds", s % 60)) }
        if s < 86_400 { return "\(s / 3600)h" + (s % 3600 / 60 == 0 ? "" : String(format: "%02dm", s % 3600 / 60)) }
        return "\(s / 86_400)d" + (s % 86_400 / 3600 == 0 ? "" : String(format: "%02dh", s % 86_400 / 3600))
    }

    /// A rate to two decimals, or to the unit when large.
    private static func rate(_ value: Double) -> String { value >= 100 ? String(Int(value.rounded())) : String(format: "%.2f", value) }

    private static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    /// One block a minute, its height the minute's runs against the busiest minute's (a blank for none).
    static func sparkline(_ values: [Int]) -> String {
        let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let peak = max(1, values.max() ?? 1)
        return String(values.map { $0 == 0 ? " " : blocks[min(7, ($0 * 8 - 1) / peak)] })
    }
}
