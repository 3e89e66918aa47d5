import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RFC 3339 UTC times with milliseconds (`2026-11-22T10:00:00.123Z`), as every record uses.
///
/// Formatted by hand from `gmtime_r`: a new `ISO8601DateFormatter` per call
/// costs 85 µs, and records carry several times each.
public enum Timestamp {
    /// Formats a date.
    public static func format(_ date: Date) -> String {
        var millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(millis / 1000)
        millis %= 1000
        if millis < 0 {
            millis += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Written digit by digit into a fixed buffer: records carry several times each, and this is on the hot path.
        var bytes: [UInt8] = Array("0000-00-00T00:00:00.000Z".utf8)
        put(Int(parts.tm_year) + 1900, width: 4, at: 0, into: &bytes)
        put(Int(parts.tm_mon) + 1, width: 2, at: 5, into: &bytes)
        put(Int(parts.tm_mday), width: 2, at: 8, into: &bytes)
        put(Int(parts.tm_hour), width: 2, at: 11, into: &bytes)
        put(Int(parts.tm_min), width: 2, at: 14, into: &bytes)
        put(Int(parts.tm_sec), width: 2, at: 17, into: &bytes)
        put(Int(millis), width: 3, at: 20, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func put(_ value: Int, width: Int, at offset: Int, into bytes: inout [UInt8]) {
        var v = value
        for i in stride(from: offset + width - 1, through: offset, by: -1) {
            bytes[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
    }

    /// A compact form for file names: `20261122T100000Z`.
    public static func compact(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return pad(Int(parts.tm_year) + 1900, 4) + pad(Int(parts.tm_mon) + 1, 2) + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + pad(Int(parts.tm_min), 2) + pad(Int(parts.tm_sec), 2) + "Z"
    }

    /// Parses the RFC 3339 form this type writes (and offsets other than `Z`).
    ///
    /// The form `format` writes is read back by hand with `timegm`, the
    /// inverse of its `gmtime_r`: both count years by the proleptic Gregorian
    /// calendar, where Foundation's parser switches to the Julian one before
    /// 1582 (so `0025-12-30` came back two days off).
    ///
    /// Times outside the years 0000 to 9999 are refused: RFC 3339 cannot write them.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        if (bytes.count == 20 || bytes.count == 24) && bytes.last == UInt8(ascii: "Z") { return parseUTC(bytes) }
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        guard let date = (try? style.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text)) else { return nil }
        guard writable.contains(date.timeIntervalSince1970) else { return nil }
        // Kept to the millisecond, as records write times: what is read is what is written back.
        return Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    /// Seconds since 1970 of 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z.
    static let writable: ClosedRange<Double> = -62_167_219_200...253_402_300_799.999

    /// `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.fffZ`; nil for any other text or a field out of range.
    private static func parseUTC(_ b: [UInt8]) -> Date? {
        guard b.count == 20 || b.count == 24, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[b.count - 1] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ from: Int, _ width: Int) -> Int? {
            var value = 0
            for i in from..<(from + width) {
                guard b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(b[i] - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var millis = 0
        if b.count == 24 {
            guard b[19] == UInt8(ascii: "."), let m = number(20, 3) else { return nil }
            millis = m
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        var seconds = timegm(&parts)
        // A day the month does not have (February 30) is normalized by timegm: refused instead.
        var check = tm()
        gmtime_r(&seconds, &check)
        guard Int(check.tm_mday) == day, Int(check.tm_mon) == month - 1 else { return nil }
        return Date(timeIntervalSince1970: Double(Int64(seconds) * 1000 + Int64(millis)) / 1000)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
