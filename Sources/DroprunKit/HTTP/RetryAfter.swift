import Foundation

/// An HTTP `Retry-After` value: delay-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`).
///
/// Used by `http` statuses and by model endpoints' rate limits alike; a value that is neither is ignored.
public enum RetryAfter {
    /// The longest wait droprun honours; a longer one is cut to it (the step's retry still fails when the run's time
    /// ends first).
    public static let maxMs = 3_600_000

    /// Milliseconds to wait from `now`, or nil when `text` is not a `Retry-After` value. A date in the past is 0.
    public static func milliseconds(_ text: String, now: Date) -> Int? {
        let value = text.trimmingCharacters(in: .whitespaces)
        if !value.isEmpty, value.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            guard let seconds = Int(value.prefix(10)) else { return maxMs }
            return min(seconds, maxMs / 1000) * 1000
        }
        guard let date = httpDate(value) else { return nil }
        let ms = (date.timeIntervalSince(now) * 1000).rounded(.up)
        return ms <= 0 ? 0 : Int(min(ms, Double(maxMs)))
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form HTTP servers send.
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
            let day = Int(parts[1]), let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3, (1...31).contains(day), (0...23).contains(time[0]), (0...59).contains(time[1]), (0...60).contains(time[2])
        else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month + 1
        components.day = day
        components.hour = time[0]
        components.minute = time[1]
        components.second = time[2]
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)
    }
}
