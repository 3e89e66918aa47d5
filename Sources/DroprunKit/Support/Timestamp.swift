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
    public static func parse(_ text: String) -> Date? {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? style.parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
