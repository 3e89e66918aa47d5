/// Replaces what legitimately varies between two runs of one fixture with stable placeholders.
///
/// Times become `"<time>"`, durations `"<duration>"`, the runner `"<runner>"`.
/// Everything else (statuses, outputs, errors, hashes, attempts) must match exactly.
public enum FixtureNormalizer {
    /// Keys whose values are times.
    static let timeKeys: Set<String> = ["at", "createdAt", "startedAt", "finishedAt", "receivedAt", "rejectedAt"]

    /// The value with varying parts replaced.
    public static func normalize(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (key, member) in members {
                if timeKeys.contains(key), member != .null {
                    out[key] = "<time>"
                } else if key == "durationMs", member != .null {
                    out[key] = "<duration>"
                } else if key == "runner" || key == "actor", member != .null {
                    out[key] = "<runner>"
                } else {
                    out[key] = normalize(member)
                }
            }
            return .object(out)
        case .array(let elements):
            return .array(elements.map(normalize))
        default:
            return value
        }
    }
}
