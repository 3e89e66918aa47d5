import Foundation

/// Replaces what legitimately varies between two runs of one fixture with stable placeholders.
///
/// Times become `"<time>"`, durations `"<duration>"`, the runner `"<runner>"`,
/// and the temporary root's path `<root>`; `beside` (which of a graph's steps
/// happened to be in flight together) is left out. Everything else (statuses,
/// outputs, errors, hashes, attempts) must match exactly.
public enum FixtureNormalizer {
    /// Keys whose values are times.
    static let timeKeys: Set<String> = ["at", "createdAt", "startedAt", "finishedAt", "receivedAt", "rejectedAt", "requestedAt", "expiresAt"]
    /// Keys whose values are durations.
    static let durationKeys: Set<String> = ["durationMs", "waitedForApprovalMs"]
    /// Keys that say how steps happened to overlap in time, left out.
    static let timingKeys: Set<String> = ["beside"]

    /// The value with varying parts replaced.
    public static func normalize(_ value: JSONValue, root: String? = nil) -> JSONValue {
        switch value {
        case .object(let members):
            var out = JSONObject()
            for (key, member) in members where !timingKeys.contains(key) {
                if timeKeys.contains(key), member != .null {
                    out[key] = "<time>"
                } else if durationKeys.contains(key), member != .null {
                    out[key] = "<duration>"
                } else if key == "runner" || key == "actor" || key == "runnerId" || key == "previousRunner", member != .null {
                    out[key] = "<runner>"
                } else {
                    out[key] = normalize(member, root: root)
                }
            }
            return .object(out)
        case .array(let elements):
            return .array(elements.map { normalize($0, root: root) })
        case .string(let text):
            if let root, text.contains(root) { return .string(text.replacingOccurrences(of: root, with: "<root>")) }
            return value
        default:
            return value
        }
    }
}
