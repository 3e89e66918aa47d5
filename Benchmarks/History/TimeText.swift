/// RFC 3339 UTC times with milliseconds written straight into a byte buffer, as `Timestamp.format` writes them.
///
/// The generator writes about 25 times per run; `Timestamp.format` makes a
/// `String` through `gmtime_r` each time. This is the same text from the
/// civil-from-days arithmetic (proleptic Gregorian, as `gmtime_r`), checked
/// against `Timestamp.format` before generating (`HistorySelfCheck`).
enum TimeText {
    static let millisecondsPerDay: Int64 = 86_400_000

    /// Appends `2026-12-01T10:00:00.123Z` for `milliseconds` since 1970.
    static func append(_ milliseconds: Int64, to out: inout [UInt8]) {
        let days = floorDivide(milliseconds, millisecondsPerDay)
        var rest = milliseconds - days * millisecondsPerDay
        let (year, month, day) = civil(days)
        put(year, 4, &out)
        out.append(UInt8(ascii: "-"))
        put(month, 2, &out)
        out.append(UInt8(ascii: "-"))
        put(day, 2, &out)
        out.append(UInt8(ascii: "T"))
        put(rest / 3_600_000, 2, &out)
        rest %= 3_600_000
        out.append(UInt8(ascii: ":"))
        put(rest / 60_000, 2, &out)
        rest %= 60_000
        out.append(UInt8(ascii: ":"))
        put(rest / 1000, 2, &out)
        out.append(UInt8(ascii: "."))
        put(rest % 1000, 3, &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// The text for one time.
    static func string(_ milliseconds: Int64) -> String {
        var out: [UInt8] = []
        append(milliseconds, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The UTC day number (days since 1970-01-01) of a time.
    static func day(_ milliseconds: Int64) -> Int64 { floorDivide(milliseconds, millisecondsPerDay) }

    /// Year, month and day of a day number (Howard Hinnant's `civil_from_days`).
    static func civil(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func put(_ value: Int64, _ width: Int, _ out: inout [UInt8]) {
        let start = out.count
        for _ in 0..<width { out.append(UInt8(ascii: "0")) }
        var v = value
        var i = start + width - 1
        while i >= start {
            out[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
            i -= 1
        }
    }
}
