import Foundation

/// A run's step timeline as an SVG Gantt chart: a lane per step, a bar per attempt, a dashed line per backoff, an amber bar per approval wait.
///
/// Each run has its own time scale (its start to its end), so a run of
/// 40 ms and one of two days are both readable; the axis says the scale.
struct GanttChart: Sendable {
    /// One drawn stretch: where it is and what it stands for.
    struct Bar: Sendable, Equatable {
        var lane: Int
        var x: Double
        var width: Double
        var segment: RunTimeline.Segment
    }

    static let width = 1000.0
    static let labelWidth = 210.0
    static let laneHeight = 20.0
    static let laneGap = 6.0
    static let axisHeight = 20.0
    /// The narrowest bar drawn, so an instant attempt is still seen.
    static let minimumBar = 2.0

    let timeline: RunTimeline

    var plotWidth: Double { Self.width - Self.labelWidth - 12 }
    var height: Double { Double(max(timeline.lanes.count, 1)) * (Self.laneHeight + Self.laneGap) + Self.axisHeight }
    var spanMs: Int { max(timeline.end.milliseconds(since: timeline.start), 1) }

    /// The x of a time.
    func x(_ date: Date) -> Double {
        let ms = Double(date.milliseconds(since: timeline.start))
        return Self.labelWidth + min(max(ms / Double(spanMs), 0), 1) * plotWidth
    }

    /// Every stretch's place.
    var bars: [Bar] {
        timeline.lanes.enumerated().flatMap { lane, steps in
            steps.segments.map { segment in
                let start = x(segment.start)
                let width = max(x(segment.end) - start, Self.minimumBar)
                return Bar(lane: lane, x: min(start, Self.labelWidth + plotWidth - Self.minimumBar), width: width, segment: segment)
            }
        }
    }

    /// The chart.
    var svg: String {
        typealias C = ReportStyle.Color
        let n = HTMLText.number
        var svg = ReportCharts.open(Self.width, height, label: "Step timeline of run \(timeline.runId)")
        let plotBottom = height - Self.axisHeight
        // Time ticks: 0, a quarter, half, three quarters, the end.
        // A span too short to divide (a few ms) is marked at its ends only.
        for quarter in 0...4 where spanMs >= 8 || quarter % 4 == 0 {
            let xTick = Self.labelWidth + plotWidth * Double(quarter) / 4
            svg += ReportCharts.line(xTick, 0, xTick, plotBottom, stroke: C.grid)
            let label = HTMLText.duration(ms: spanMs * quarter / 4)
            svg += ReportCharts.text(xTick, height - 5, label, anchor: quarter == 0 ? "start" : quarter == 4 ? "end" : "middle", size: 11)
        }
        for (index, lane) in timeline.lanes.enumerated() {
            let y = Double(index) * (Self.laneHeight + Self.laneGap) + 3
            var label = "\(lane.step) · \(lane.provider)"
            if lane.attempts > 1 { label += " ×\(lane.attempts)" }
            let skipped = lane.status == .skipped || lane.status == .pending
            if skipped { label += " (\(lane.status.rawValue))" }
            svg += ReportCharts.text(
                Self.labelWidth - 10, y + Self.laneHeight - 6, clip(label, 34), anchor: "end", size: 12, fill: skipped ? C.axis : C.text)
        }
        for bar in bars {
            let y = Double(bar.lane) * (Self.laneHeight + Self.laneGap) + 3
            let lane = timeline.lanes[bar.lane]
            let title = tooltip(bar.segment, lane: lane)
            switch bar.segment.kind {
            case .backoff:
                let mid = y + Self.laneHeight / 2
                svg += "<g><title>\(HTMLText.escape(title))</title>"
                svg += ReportCharts.line(bar.x, mid, bar.x + bar.width, mid, stroke: C.backoff, extra: " stroke-width=\"2\" stroke-dasharray=\"4 3\"")
                svg += "<rect x=\"\(n(bar.x))\" y=\"\(n(y))\" width=\"\(n(bar.width))\" height=\"\(n(Self.laneHeight))\" fill=\"transparent\"/></g>"
            case .wait:
                let edge = bar.segment.outcome == .failed ? C.failed : C.waiting
                svg += ReportCharts.rect(
                    bar.x, y + 2, bar.width, Self.laneHeight - 4, fill: C.waiting, title: title,
                    extra: " fill-opacity=\"0.45\" stroke=\"\(edge)\" stroke-width=\"1.5\" rx=\"3\"")
                if bar.width > 90 {
                    svg += ReportCharts.text(bar.x + 6, y + Self.laneHeight - 6, "waiting for approval", size: 11, fill: "#7a4d00")
                }
            case .attempt(let attempt):
                svg += ReportCharts.rect(bar.x, y, bar.width, Self.laneHeight, fill: color(bar.segment.outcome), title: title, extra: " rx=\"3\"")
                if lane.attempts > 1, bar.width > 26 {
                    svg += ReportCharts.text(bar.x + 5, y + Self.laneHeight - 6, "#\(attempt)", size: 11, fill: "#fff")
                }
            }
        }
        return svg + "</svg>"
    }

    /// A bar's color by how the stretch ended.
    private func color(_ outcome: RunTimeline.Outcome) -> String {
        typealias C = ReportStyle.Color
        switch outcome {
        case .succeeded: return C.succeeded
        case .failed: return C.failed
        case .retried: return C.retried
        case .interrupted: return C.interrupted
        case .done: return C.running
        }
    }

    /// A stretch's tooltip.
    private func tooltip(_ segment: RunTimeline.Segment, lane: RunTimeline.Lane) -> String {
        let length = HTMLText.duration(ms: segment.end.milliseconds(since: segment.start))
        let offset = HTMLText.duration(ms: segment.start.milliseconds(since: timeline.start))
        let what: String
        switch segment.kind {
        case .attempt(let attempt): what = "\(lane.step): attempt \(attempt), \(segment.outcome.rawValue)"
        case .backoff: what = "\(lane.step): backoff"
        case .wait: what = "\(lane.step): approval wait"
        }
        return "\(what), \(length) from +\(offset)" + (segment.note.isEmpty ? "" : " — \(segment.note)")
    }

    /// `text` cut to `count` characters with an ellipsis.
    private func clip(_ text: String, _ count: Int) -> String { text.count <= count ? text : String(text.prefix(count - 1)) + "…" }
}
