import Foundation
import Testing

@testable import DroprunKit

/// `DurationText`: what `--older-than`, `--since` and `--until` accept.
@Suite struct DurationTextTests {
    @Test(arguments: [
        ("90s", 90.0), ("15m", 900), ("24h", 86_400), ("7d", 604_800), ("2w", 1_209_600), ("500ms", 0.5), ("1h30m", 5_400), ("1.5d", 129_600),
    ])
    func readsDurations(text: String, seconds: Double) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "30", "30D", "-1d", "d", "1x", "1h 30m", "99999999999999999999d", "1180591620717411303424d", "36525d1s"])
    func refusesWhatIsNotADurationOrTooLong(text: String) {
        #expect(DurationText.seconds(text) == nil, "\(text)")
    }

    @Test func aHundredYearsIsTheLongest() {
        #expect(DurationText.seconds("36524d") != nil)
        #expect(DurationText.seconds("36526d") == nil)
    }

    @Test func pointsInTime() {
        let now = Date(timeIntervalSince1970: 1_764_633_600)  // 2025-12-02T00:00:00Z
        #expect(DurationText.pointInTime("24h", now: now) == now.addingTimeInterval(-86_400))
        #expect(DurationText.pointInTime("2026-12-01", now: now) == Timestamp.parse("2026-12-01T00:00:00.000Z"))
        #expect(DurationText.pointInTime("2026-12-01T10:00:00Z", now: now) == Timestamp.parse("2026-12-01T10:00:00.000Z"))
        #expect(DurationText.pointInTime("99999999999999999999d", now: now) == nil)
        #expect(DurationText.pointInTime("yesterday", now: now) == nil)
    }
}
