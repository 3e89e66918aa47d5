import Foundation
import Testing

@testable import DroprunKit

@Suite struct TimestampTests {
    @Test func formatsRFC3339WithMilliseconds() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_341_600.123)) == "2026-11-22T10:00:00.123Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.compact(Date(timeIntervalSince1970: 1_795_341_600.9)) == "20261122T100000Z")
    }

    @Test func parsesWhatItWrites() throws {
        let date = Date(timeIntervalSince1970: 1_795_341_600.456)
        let parsed = try #require(Timestamp.parse(Timestamp.format(date)))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.001)
    }

    /// Found by the mutation test: a record's time in year 25 came back two days off (Foundation reads early years as Julian).
    @Test(arguments: [
        "0025-12-30T00:00:00.000Z", "0001-01-01T00:00:00.000Z", "1582-10-10T12:34:56.789Z", "9999-12-31T23:59:59.999Z", "2026-11-22T10:00:00Z",
    ])
    func readsBackEveryTimeItWrites(_ text: String) throws {
        let parsed = try #require(Timestamp.parse(text))
        let written = Timestamp.format(parsed)
        #expect(written == (text.count == 20 ? text.replacingOccurrences(of: "Z", with: ".000Z") : text))
    }

    @Test func refusesDaysTheMonthDoesNotHave() {
        #expect(Timestamp.parse("2026-02-30T00:00:00.000Z") == nil)
        #expect(Timestamp.parse("2026-13-01T00:00:00.000Z") == nil)
    }

    @Test func durationsMatchTheTimesShown() {
        let start = Date(timeIntervalSince1970: 10.0004)
        let end = Date(timeIntervalSince1970: 10.0011)
        #expect(end.milliseconds(since: start) == 1)
        #expect(start.milliseconds(since: end) == 0)
    }
}
