import Foundation

/// The report's charts as inline SVG: drawn with rectangles, lines and text only, each bar with a `<title>` (its tooltip).
enum ReportCharts {
    private typealias C = ReportStyle.Color

    /// Runs per time bucket, stacked by status (succeeded at the bottom, then failed, then cancelled).
    static func runsOverTime(_ summary: ReportSummary) -> String {
        let width = 560.0
        let height = 210.0
        let left = 40.0
        let bottom = 24.0
        let top = 8.0
        let plotWidth = width - left - 8
        let plotHeight = height - top - bottom
        let buckets = summary.buckets
        let most = max(buckets.map(\.total).max() ?? 0, 1)
        let scale = niceCeiling(most)
        var svg = open(width, height, label: "Runs finished per \(summary.bucketWords), by status")
        svg += axisY(scale: scale, left: left, top: top, plotWidth: plotWidth, plotHeight: plotHeight)
        let slot = plotWidth / Double(max(buckets.count, 1))
        let barWidth = max(slot * 0.78, 1)
        for (index, bucket) in buckets.enumerated() where bucket.total > 0 {
            let x = left + Double(index) * slot + (slot - barWidth) / 2
            var y = top + plotHeight
            let end = bucket.start.addingTimeInterval(summary.bucketSeconds)
            let title =
                "\(HTMLText.time(bucket.start)) to \(HTMLText.time(end)): \(bucket.succeeded) succeeded, \(bucket.failed) failed, \(bucket.cancelled) cancelled"
            for (count, color) in [(bucket.succeeded, C.succeeded), (bucket.failed, C.failed), (bucket.cancelled, C.cancelled)] where count > 0 {
                let h = Double(count) / Double(scale) * plotHeight
                y -= h
                svg += rect(x, y, barWidth, h, fill: color, title: title)
            }
        }
        // Time labels: the first bucket, the middle one and the last.
        let marks = Set([0, buckets.count / 2, buckets.count - 1].filter { $0 >= 0 })
        for index in marks.sorted() {
            let x = left + (Double(index) + 0.5) * slot
            let anchor = index == 0 ? "start" : index == buckets.count - 1 ? "end" : "middle"
            let xText = index == 0 ? left : index == buckets.count - 1 ? left + plotWidth : x
            svg += text(xText, height - 6, label(buckets[index].start, bucketSeconds: summary.bucketSeconds), anchor: anchor, size: 11)
        }
        return svg + "</svg>"
    }

    /// Run durations in `DurationHistogram`'s buckets, from the first bucket that holds a run to the last.
    static func durationHistogram(_ histogram: DurationHistogram) -> String {
        let width = 560.0
        let height = 210.0
        let left = 40.0
        let bottom = 24.0
        let top = 8.0
        let plotWidth = width - left - 8
        let plotHeight = height - top - bottom
        let counts = histogram.counts
        let first = counts.firstIndex { $0 > 0 } ?? 0
        let last = counts.lastIndex { $0 > 0 } ?? 0
        // At least six bars, so one busy bucket does not fill the chart.
        let low = max(0, min(first, counts.count - 6))
        let high = min(counts.count - 1, max(last, low + 5))
        let shown = Array(low...high)
        let scale = niceCeiling(max(counts.max() ?? 0, 1))
        var svg = open(width, height, label: "Run durations")
        svg += axisY(scale: scale, left: left, top: top, plotWidth: plotWidth, plotHeight: plotHeight)
        let slot = plotWidth / Double(shown.count)
        for (position, bucket) in shown.enumerated() {
            let x = left + Double(position) * slot + slot * 0.1
            let name = bucketName(bucket)
            if counts[bucket] > 0 {
                let h = Double(counts[bucket]) / Double(scale) * plotHeight
                svg += rect(x, top + plotHeight - h, slot * 0.8, h, fill: C.neutral, title: "\(name): \(counts[bucket]) run(s)")
            }
            svg += text(x + slot * 0.4, height - 6, name, anchor: "middle", size: shown.count > 10 ? 9 : 10)
        }
        return svg + "</svg>"
    }

    /// The name of a histogram bucket by its upper bound: `≤250ms`, `≤1m`, `>1h`.
    static func bucketName(_ index: Int) -> String {
        let bounds = DurationHistogram.bounds
        guard index < bounds.count else { return ">" + short(bounds[bounds.count - 1]) }
        return "≤" + short(bounds[index])
    }

    /// A bound in seconds, short: `5ms`, `2.5s`, `1m`, `1h`.
    private static func short(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s" }
        if seconds < 3_600 { return "\(Int(seconds / 60))m" }
        return "\(Int(seconds / 3_600))h"
    }

    /// A bucket's start as its axis label: the time of day for short buckets, the day for long ones.
    private static func label(_ date: Date, bucketSeconds: TimeInterval) -> String {
        let text = HTMLText.time(date)
        if bucketSeconds >= 86_400 { return String(text.prefix(10)) }
        // Buckets shorter than a minute need the seconds, or two labels could read the same.
        return String(text.dropFirst(5).prefix(bucketSeconds < 60 ? 14 : 11)) + "Z"
    }

    /// A round even number at or above `n` for the top of an axis (its half is a whole number too): 2, 4, 6, 8, 10, 20, 40, ...
    static func niceCeiling(_ n: Int) -> Int {
        var step = 1
        while true {
            for m in [2, 4, 6, 8, 10] where step * m >= n { return step * m }
            step *= 10
        }
    }

    /// The horizontal grid and the value labels of a bar chart.
    private static func axisY(scale: Int, left: Double, top: Double, plotWidth: Double, plotHeight: Double) -> String {
        var svg = ""
        for fraction in [0.0, 0.5, 1.0] {
            let y = top + plotHeight * (1 - fraction)
            let value = Int((Double(scale) * fraction).rounded())
            svg += line(left, y, left + plotWidth, y, stroke: fraction == 0 ? C.axis : C.grid)
            svg += text(left - 6, y + 4, HTMLText.count(value), anchor: "end", size: 11)
        }
        return svg
    }

    // MARK: - Drawing

    static func open(_ width: Double, _ height: Double, label: String) -> String {
        "<svg viewBox=\"0 0 \(HTMLText.number(width)) \(HTMLText.number(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(label))\">"
    }

    static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, title: String, extra: String = "") -> String {
        let n = HTMLText.number
        return
            "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"\(fill)\"\(extra)><title>\(HTMLText.escape(title))</title></rect>"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, extra: String = "") -> String {
        let n = HTMLText.number
        return "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\"\(extra)/>"
    }

    static func text(
        _ x: Double, _ y: Double, _ words: String, anchor: String = "start", size: Double = 11, fill: String = C.axis, extra: String = ""
    )
        -> String
    {
        let n = HTMLText.number
        return
            "<text x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\" font-size=\"\(n(size))\" fill=\"\(fill)\"\(extra)>\(HTMLText.escape(words))</text>"
    }
}
