import Foundation

/// Text made safe for an HTML page, and the short forms a report writes numbers and times in.
enum HTMLText {
    /// `text` escaped for an element's content or a quoted attribute: `& < > " '` become entities.
    ///
    /// Everything a report shows from the root's files (run ids, workflow and
    /// step names, labels, error messages) goes through here, so a message
    /// holding `<script>` is text on the page, never markup.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Control characters other than tab and newline have no place in a page (and some are not allowed in HTML).
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A duration as people read it: `850 ms`, `4.2 s`, `3 m 20 s`, `5 h 02 m`, `2 d 3 h`.
    static func duration(ms: Int) -> String {
        let ms = max(ms, 0)
        if ms < 1_000 { return "\(ms) ms" }
        if ms < 10_000 { return String(format: "%.1f s", Double(ms) / 1000) }
        let seconds = ms / 1000
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3_600 { return "\(seconds / 60) m \(String(format: "%02d", seconds % 60)) s" }
        if seconds < 86_400 { return "\(seconds / 3_600) h \(String(format: "%02d", seconds % 3_600 / 60)) m" }
        return "\(seconds / 86_400) d \(seconds % 86_400 / 3_600) h"
    }

    /// A duration in seconds, as `duration(ms:)`.
    static func duration(seconds: TimeInterval) -> String {
        duration(ms: seconds.isFinite ? Int(min(max(seconds, 0), 1e12) * 1000) : 0)
    }

    /// A time as the report shows it: UTC, to the second (`2026-12-02 10:00:05Z`).
    static func time(_ date: Date) -> String {
        let text = Timestamp.format(date)
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8)) + "Z"
    }

    /// A count with thin separators: `12,345`.
    static func count(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A number for an SVG attribute: at most one decimal.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
