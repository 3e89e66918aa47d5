import Foundation

/// A length of time as an operator types it: `90s`, `15m`, `24h`, `7d`, `2w`, `500ms`, or a sum (`1h30m`).
public enum DurationText {
    /// Seconds per unit, longest unit names first where one is a prefix of another.
    private static let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3_600), ("d", 86_400), ("w", 604_800)]

    /// The longest duration accepted: a hundred years (longer ones are typing mistakes, and overflow time arithmetic).
    public static let maximum: TimeInterval = 100 * 365.25 * 86_400

    /// The seconds `text` means; nil when it is not a duration (a bare number has no unit and is refused) or longer than `maximum`.
    public static func seconds(_ text: String) -> TimeInterval? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var total: Double = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isASCII && $0.isLetter }
            guard let unit = units.first(where: { $0.0 == String(letters) }) else { return nil }
            rest = rest.dropFirst(letters.count)
            total += value * unit.1
            guard total.isFinite, total <= maximum else { return nil }
        }
        return total
    }

    /// A point in time from `--since`/`--until`: a duration back from `now` (`24h`), an RFC 3339 time, or a UTC day (`2026-12-01`).
    public static func pointInTime(_ text: String, now: Date) -> Date? {
        if let seconds = seconds(text) { return now.addingTimeInterval(-seconds) }
        // Times past year 9999 or before year 1 are typing mistakes, and overflow the millisecond arithmetic of readers.
        let range = Date(timeIntervalSince1970: -62_135_596_800)...Date(timeIntervalSince1970: 253_402_300_799)
        if let date = Timestamp.parse(text) { return range.contains(date) ? date : nil }
        if text.utf8.count == 10, let day = Timestamp.parse(text + "T00:00:00.000Z") { return range.contains(day) ? day : nil }
        return nil
    }

    /// What a usage error says a duration looks like.
    public static let expected = "a duration such as 90s, 15m, 24h, 7d or 1h30m (at most 100 years)"
}
