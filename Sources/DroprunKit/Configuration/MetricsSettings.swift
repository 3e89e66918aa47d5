/// `metricsFile` and `metricsIntervalSeconds` in `droprun.json`: where and how often a runner writes its Prometheus metrics.
public struct MetricsSettings: Sendable, Equatable {
    /// The file, relative to the root (or absolute); nil when metrics are off (`"metricsFile": null`).
    public var file: String? = "outbox/metrics.prom"
    /// How often `watch` writes the file.
    public var intervalSeconds = 15

    public init() {}

    /// Reads the two top-level keys; issues go to `reader`.
    static func read(from reader: inout JSONObjectReader, into settings: inout MetricsSettings) {
        if let v = reader.value("metricsFile") {
            if v == .null {
                settings.file = nil
            } else if let s = v.stringValue, !s.isEmpty {
                settings.file = s
            } else {
                reader.report(
                    ValidationIssue(JSONPath.root.key("metricsFile"), "expected a file path (or null to write no metrics), found \(v.preview)"))
            }
        }
        if let v = reader.int("metricsIntervalSeconds", in: 1...86_400) { settings.intervalSeconds = v }
    }
}
