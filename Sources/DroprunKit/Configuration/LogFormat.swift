/// How `watch` and `run --once` write their lines (`logFormat` in `droprun.json`, `--log-format`).
public enum LogFormat: String, Sendable, Equatable, CaseIterable {
    /// A UTC timestamp, then words for people.
    case text
    /// One JSON object per line, for journald, Loki or Vector.
    case json
}
