import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A take that failed is tried again after a backoff that doubles, up to a limit.
@Suite struct RetryBackoffTests {
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    static func at(_ ms: Int) -> Date { t0.addingTimeInterval(Double(ms) / 1000) }

    @Test func waitsDoubleUpToTheLimit() {
        var backoff = RetryBackoff()
        var waits: [Int] = []
        for _ in 0..<10 { waits.append(backoff.failed("x.json", now: Self.t0)) }
        #expect(waits == [500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000])
        #expect(backoff.failures("x.json") == 10)
    }

    @Test func aNameIsDueOnceItsWaitIsOver() {
        var backoff = RetryBackoff()
        #expect(backoff.isDue("x.json", now: Self.t0))
        backoff.failed("x.json", now: Self.t0)
        #expect(!backoff.isDue("x.json", now: Self.at(499)))
        #expect(backoff.nextDueMs(now: Self.at(100)) == 400)
        #expect(backoff.isDue("x.json", now: Self.at(500)))
        backoff.failed("x.json", now: Self.at(500))
        #expect(!backoff.isDue("x.json", now: Self.at(1_499)))
        #expect(backoff.isDue("x.json", now: Self.at(1_500)))
    }

    @Test func forgettingAndPruningClearNames() {
        var backoff = RetryBackoff()
        backoff.failed("a.json", now: Self.t0)
        backoff.failed("b.json", now: Self.t0)
        backoff.forget("a.json")
        #expect(backoff.isDue("a.json", now: Self.t0))
        #expect(backoff.failures("a.json") == 0)
        backoff.prune(keeping: ["c.json"])
        #expect(backoff.isEmpty)
        #expect(backoff.nextDueMs(now: Self.t0) == nil)
    }
}
