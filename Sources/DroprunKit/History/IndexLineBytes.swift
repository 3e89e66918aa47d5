#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An index line read by its bytes: where a member is and what time it holds, without parsing the line.
///
/// Lines are canonical compact JSON with members sorted by key (see
/// `IndexEntry`): `"createdAt":"` first occurs as the top-level member (only
/// the `audit` array of strings comes before it, and a quote inside a string
/// is written `\"`), followed by a time in the one form `Timestamp` writes.
enum IndexLineBytes {
    /// `"createdAt":"`.
    static let createdAtKey: [UInt8] = Array(#""createdAt":""#.utf8)

    /// The offset of the first `needle` in `haystack`, or nil (an empty needle is found at 0).
    static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !needle.isEmpty else { return 0 }
        return needle.withUnsafeBytes { needle in ByteSearch.first(needle, in: UnsafeRawBufferPointer(haystack)) }
    }

    /// True when `needle` occurs in `haystack`.
    static func contains(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Bool { find(needle, in: haystack) != nil }

    /// The milliseconds since 1970 of the time after `key` (`"createdAt":"`), when it is in the form `Timestamp` writes.
    static func millis(after key: [UInt8], in line: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let at = find(key, in: line) else { return nil }
        let start = at + key.count
        guard start + 25 <= line.count, let base = line.baseAddress, base[start + 24] == UInt8(ascii: "\"") else { return nil }
        return millis(UnsafeBufferPointer(start: base + start, count: 24))
    }

    /// `yyyy-mm-ddThh:mm:ss.fffZ` as milliseconds since 1970; nil for any other bytes.
    ///
    /// By the proleptic Gregorian calendar, as `Timestamp` reads and writes
    /// (a day the month lacks is not refused: the line is parsed later anyway).
    static func millis(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard b.count == 24, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"),
            b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "."), b[23] == UInt8(ascii: "Z")
        else { return nil }
        var valid = true
        func number(_ from: Int, _ width: Int) -> Int64 {
            var value: Int64 = 0
            for i in from..<(from + width) {
                let digit = b[i] &- UInt8(ascii: "0")
                if digit > 9 { valid = false }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        let year = number(0, 4)
        let month = number(5, 2)
        let day = number(8, 2)
        let hour = number(11, 2)
        let minute = number(14, 2)
        let second = number(17, 2)
        let ms = number(20, 3)
        guard valid, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        let days = daysSince1970(year: year, month: month, day: day)
        return (((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + ms
    }

    /// Days from 1970-01-01 to a civil date (Howard Hinnant's `days_from_civil`).
    static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
