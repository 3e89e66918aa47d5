import Foundation

/// The report as one self-contained HTML page: inline CSS and SVG, no script, nothing loaded from elsewhere.
///
/// The page's Content-Security-Policy forbids every fetch and every script
/// (`default-src 'none'`), so even a browser that found something to load
/// would not. Every string read from the root is escaped (`HTMLText.escape`).
struct ReportPage {
    let report: Report

    /// The whole page.
    var html: String {
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'none'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>droprun report: \(HTMLText.escape(Path.name(report.root)))</title>
            <style>\n\(ReportStyle.css)</style>
            </head>
            <body>
            <main>

            """
        page += header
        if report.isEmpty {
            page += problems
            page += """
                <section class="empty"><h2>Nothing yet</h2>
                <p>No run finished \(report.since == nil ? "in this root" : "in this window"), and nothing is running, waiting or in the inbox.</p>
                <p>Drop a request into <code>inbox/</code> and run <code>droprun run --once</code> (or keep <code>droprun watch</code> running), then make the report again\(report.since == nil ? "" : ", or give a longer <code>--since</code>").</p>
                </section>

                """
        } else {
            page += nav + problems + statusCards
            page += "<div class=\"grid\">\n" + overTime + durations + "</div>\n"
            page += "<div class=\"grid\">\n" + slowest + failures + "</div>\n"
            page += approvals + timelines
        }
        page += """
            <footer>Made by droprun report at \(HTMLText.time(report.generatedAt)). Hover a bar for its numbers.</footer>
            </main>
            </body>
            </html>

            """
        return page
    }

    private var windowWords: String {
        guard let since = report.since else { return "every finished run" }
        return "runs created since \(HTMLText.time(since)) (\(HTMLText.duration(seconds: report.generatedAt.timeIntervalSince(since))))"
    }

    private var header: String {
        let source = report.window.source == .index ? "the history index" : "outbox/results/ (no built index)"
        return """
            <header><h1>droprun report <span>\(HTMLText.escape(Path.name(report.root)))</span></h1>
            <p class="meta">Root <code>\(HTMLText.escape(report.root))</code> · \(windowWords) · read from \(source) · generated \(HTMLText.time(report.generatedAt))</p>
            </header>

            """
    }

    private var nav: String {
        let links = [
            ("status", "Status"), ("over-time", "Runs over time"), ("durations", "Durations"), ("slowest", "Slowest"), ("failures", "Failures"),
            ("approvals", "Approvals"), ("timelines", "Step timelines"),
        ]
        return "<nav>" + links.map { "<a href=\"#\($0.0)\">\($0.1)</a>" }.joined() + "</nav>\n"
    }

    private var problems: String {
        var lines = report.problems
        if report.window.truncated {
            lines.insert(
                "The window holds more runs than a report reads (\(HTMLText.count(report.window.entries.count))): the newest are shown; give a shorter --since.",
                at: 0)
        }
        guard !lines.isEmpty else { return "" }
        return "<div class=\"notice\"><b>Not everything could be shown</b><ul>"
            + lines.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul></div>\n"
    }

    private var statusCards: String {
        let summary = report.summary
        let snapshot = report.snapshot
        func card(_ kind: String, _ value: Int, _ label: String) -> String {
            "<div class=\"card \(kind)\"><b>\(HTMLText.count(value))</b><span>\(HTMLText.escape(label))</span></div>"
        }
        let rate = summary.finished == 0 ? "" : String(format: " (%.1f%% succeeded)", Double(summary.succeeded) * 100 / Double(summary.finished))
        let oldest = snapshot.oldestDropAt.map { "in the inbox, oldest \(HTMLText.duration(seconds: report.generatedAt.timeIntervalSince($0)))" }
        return """
            <section id="status"><h2>Status<small>\(HTMLText.count(summary.finished)) finished in the window\(rate); live counts as of now</small></h2>
            <div class="cards">\(card("succeeded", summary.succeeded, "succeeded"))\(card("failed", summary.failed, "failed"))\(card("cancelled", summary.cancelled, "cancelled"))\(card("waiting", snapshot.waiting.count, "waiting for approval"))\(card("running", snapshot.running, "queued or running"))\(card("inbox", snapshot.inboxDepth, oldest ?? "in the inbox"))</div>
            </section>

            """
    }

    private var overTime: String {
        let per = report.summary.bucketWords
        return """
            <section id="over-time"><h2>Runs over time<small>finished per \(per), by status</small></h2>
            <div class="legend"><span><i style="background:\(ReportStyle.Color.succeeded)"></i>succeeded</span><span><i style="background:\(ReportStyle.Color.failed)"></i>failed</span><span><i style="background:\(ReportStyle.Color.cancelled)"></i>cancelled</span></div>
            \(ReportCharts.runsOverTime(report.summary))
            </section>

            """
    }

    private var durations: String {
        let histogram = report.summary.durations
        let mean = histogram.count == 0 ? "" : "; mean \(HTMLText.duration(seconds: histogram.sum / Double(histogram.count)))"
        return """
            <section id="durations"><h2>Run durations<small>\(HTMLText.count(histogram.count)) runs\(mean)</small></h2>
            <div class="legend"><span><i style="background:\(ReportStyle.Color.neutral)"></i>runs per duration bucket (upper bound)</span></div>
            \(ReportCharts.durationHistogram(histogram))
            </section>

            """
    }

    private var slowest: String {
        let rows = report.summary.slowest.map { entry in
            "<tr><td class=\"id\">\(HTMLText.escape(entry.runId))</td><td>\(HTMLText.escape(entry.workflowName))</td>"
                + "<td>\(badge(entry.status))</td><td class=\"num\">\(HTMLText.duration(ms: entry.durationMs ?? 0))</td>"
                + "<td class=\"num muted\">\(HTMLText.time(entry.createdAt).dropFirst(5))</td></tr>"
        }
        let body =
            rows.isEmpty
            ? "<p class=\"muted\">No finished run in the window.</p>"
            : "<table><tr><th>run</th><th>workflow</th><th>status</th><th class=\"num\">duration</th><th class=\"num\">created</th></tr>"
                + rows.joined() + "</table>"
        return "<section id=\"slowest\"><h2>Slowest runs<small>top \(report.summary.slowest.count)</small></h2>\n\(body)\n</section>\n"
    }

    private var failures: String {
        var body = ""
        for group in report.failures {
            let steps = group.steps.prefix(4).map { "\(HTMLText.escape($0.step)) (\(HTMLText.count($0.count)))" }.joined(separator: ", ")
            let messages = group.messages.map { "<li>\(HTMLText.escape($0))</li>" }.joined()
            let samples = group.samples.map { "<span class=\"id\">\(HTMLText.escape($0))</span>" }.joined(separator: ", ")
            body += """
                <div class="failure"><div class="head"><span class="badge failed">\(HTMLText.count(group.count))</span><b><code>\(HTMLText.escape(group.code))</code></b><span class="muted">at \(steps)</span></div>
                <ul>\(messages.isEmpty ? "<li class=\"muted\">(no message in the sampled results)</li>" : messages)</ul>
                <div class="muted">e.g. \(samples)</div></div>

                """
        }
        if report.otherFailures.codes > 0 {
            body += "<p class=\"muted\">and \(report.otherFailures.codes) more codes (\(HTMLText.count(report.otherFailures.runs)) runs)</p>"
        }
        if body.isEmpty { body = "<p class=\"muted\">No failure in the window.</p>" }
        return
            "<section id=\"failures\"><h2>Failures by error code<small>messages from the newest runs of each code</small></h2>\n\(body)</section>\n"
    }

    private var approvals: String {
        let now = report.generatedAt
        let rows = report.snapshot.waiting.map { waiting in
            let approval = waiting.approval
            let age = HTMLText.duration(seconds: now.timeIntervalSince(approval.requestedAt))
            var expires = "<span class=\"muted\">never</span>"
            if let at = approval.expiresAt {
                expires =
                    approval.hasExpired(at: now)
                    ? "<span class=\"late\">expired \(HTMLText.duration(seconds: now.timeIntervalSince(at))) ago</span>"
                    : "in \(HTMLText.duration(seconds: at.timeIntervalSince(now)))"
            }
            return "<tr><td class=\"id\">\(HTMLText.escape(waiting.runId))</td><td>\(HTMLText.escape(waiting.workflow))</td>"
                + "<td>\(HTMLText.escape(approval.step))</td><td>\(HTMLText.escape(approval.message))</td>"
                + "<td class=\"num\">\(age)</td><td class=\"num\">\(expires)</td></tr>"
        }
        let body =
            rows.isEmpty
            ? "<p class=\"muted\">No run waits for an approval.</p>"
            : "<table><tr><th>run</th><th>workflow</th><th>step</th><th>message</th><th class=\"num\">waiting</th><th class=\"num\">expires</th></tr>"
                + rows.joined() + "</table>"
        return """
            <section id="approvals"><h2>Waiting approvals<small>oldest first; droprun approve|reject RUN_ID</small></h2>
            \(body)
            </section>

            """
    }

    private var timelines: String {
        typealias C = ReportStyle.Color
        var body = """
            <div class="legend"><span><i style="background:\(C.succeeded)"></i>attempt succeeded</span><span><i style="background:\(C.retried)"></i>attempt failed, retried</span><span><i class="dash"></i>backoff</span><span><i style="background:\(C.failed)"></i>failed</span><span><i style="background:\(C.running)"></i>running</span><span><i style="background:\(C.waiting);opacity:.6"></i>approval wait</span><span><i style="background:\(C.interrupted)"></i>cut short</span></div>

            """
        for timeline in report.timelines {
            var facts = ["\(HTMLText.duration(ms: timeline.end.milliseconds(since: timeline.start)))"]
            let queued = timeline.start.milliseconds(since: timeline.createdAt)
            if queued > 0 { facts.append("queued \(HTMLText.duration(ms: queued))") }
            if timeline.waitedMs > 0 { facts.append("waited \(HTMLText.duration(ms: timeline.waitedMs)) for approval") }
            facts += timeline.attemptsAgain
            body += """
                <div class="run"><div class="head"><span class="id">\(HTMLText.escape(timeline.runId))</span>\(badge(timeline.status))<span>\(HTMLText.escape(timeline.workflow))</span><span class="muted">\(facts.joined(separator: " · ")) · created \(HTMLText.time(timeline.createdAt))</span></div>
                \(GanttChart(timeline: timeline).svg)
                </div>

                """
        }
        if report.timelines.isEmpty { body += "<p class=\"muted\">No finished run in the window.</p>" }
        let count = report.timelines.count
        return
            "<section id=\"timelines\"><h2>Step timelines<small>the last \(count) run\(count == 1 ? "" : "s") of the window, newest first</small></h2>\n\(body)</section>\n"
    }

    private func badge(_ status: RunStatus) -> String {
        let kind = status == .waitingApproval ? "waiting" : status.rawValue
        return "<span class=\"badge \(kind)\">\(HTMLText.escape(status.rawValue))</span>"
    }
}
