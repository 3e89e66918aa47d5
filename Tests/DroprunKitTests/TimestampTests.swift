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

    @Test func durationsMatchTheTimesShown() {
        let start = Date(timeIntervalSince1970: 10.0004)
        let end = Date(timeIntervalSince1970: 10.0011)
        #expect(end.milliseconds(since: start) == 1)
        #expect(start.milliseconds(since: end) == 0)
    }
}
