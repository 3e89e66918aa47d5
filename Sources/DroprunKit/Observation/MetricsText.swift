/// Text in the Prometheus text exposition format 0.0.4: one metric family after another, each with `# HELP` and `# TYPE`.
///
/// What the format asks of a writer (and `promtool check metrics` checks):
/// every sample of a family follows its `# TYPE` line; label values escape
/// `\`, `"` and line feeds; help text escapes `\` and line feeds; a histogram
/// writes cumulative `_bucket{le="..."}` samples ending with `le="+Inf"` (equal
/// to `_count`), then `_sum` and `_count`. No timestamps are written: the node
/// exporter's textfile collector refuses files that carry them.
public struct MetricsText: Sendable {
    /// A metric family's type, as its `# TYPE` line names it.
    public enum Kind: String, Sendable {
        /// Only goes up (restarting from zero when the process restarts); its name ends in `_total`.
        case counter
        /// Goes up and down: a value as it is now.
        case gauge
        /// Observations counted into cumulative buckets, with their sum and count.
        case histogram
    }

    /// A sample's labels, in the order written.
    public typealias Labels = [(name: String, value: String)]

    /// The text so far.
    public private(set) var text = ""

    public init() {}

    /// Starts a family: its `# HELP` and `# TYPE` lines (written even when no sample follows, so the set of names is stable).
    public mutating func family(_ name: String, _ kind: Kind, help: String) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One sample of the current family: `name{labels} value`.
    public mutating func sample(_ name: String, _ labels: Labels = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.name)=\"\(Self.escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.number(value) + "\n"
    }

    /// One histogram of the current family (`name` without a suffix): its cumulative buckets, `+Inf` last, then sum and count.
    public mutating func histogram(_ name: String, _ labels: Labels, _ histogram: DurationHistogram) {
        let cumulative = histogram.cumulative
        for (index, count) in cumulative.enumerated() {
            let bound = index < DurationHistogram.bounds.count ? Self.number(DurationHistogram.bounds[index]) : "+Inf"
            sample(name + "_bucket", labels + [("le", bound)], Double(count))
        }
        // Durations are whole milliseconds: rounding to microseconds drops only the float noise of the sum.
        sample(name + "_sum", labels, (histogram.sum * 1_000_000).rounded() / 1_000_000)
        sample(name + "_count", labels, Double(histogram.count))
    }

    /// A label value as the format writes it between quotes: `\` as `\\`, `"` as `\"`, a line feed as `\n`.
    public static func escapeLabel(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Help text as the format writes it: `\` as `\\`, a line feed as `\n` (quotes stay as they are).
    public static func escapeHelp(_ help: String) -> String {
        var escaped = ""
        for scalar in help.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// A value as Go's `ParseFloat` reads it: whole numbers without a fraction (`5000`, `0.005`, `2.5`), `+Inf`, `-Inf`, `NaN`.
    public static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
