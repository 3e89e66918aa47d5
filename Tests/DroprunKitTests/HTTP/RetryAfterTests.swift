import DroprunKit
import Foundation
import Testing

@Suite struct RetryAfterTests {
    let now = Date(timeIntervalSince1970: 1_767_225_600)  // Thu, 01 Jan 2026 00:00:00 GMT

    @Test(arguments: [("0", 0), ("3", 3000), (" 120 ", 120_000), ("99999999999999", RetryAfter.maxMs), ("7200", RetryAfter.maxMs)])
    func secondsAreMilliseconds(_ text: String, _ ms: Int) {
        #expect(RetryAfter.milliseconds(text, now: now) == ms)
    }

    @Test func anHTTPDateIsTheTimeUntilItAndAPastOneIsNow() {
        #expect(RetryAfter.milliseconds("Thu, 01 Jan 2026 00:00:30 GMT", now: now) == 30_000)
        #expect(RetryAfter.milliseconds("Wed, 31 Dec 2025 23:00:00 GMT", now: now) == 0)
        #expect(RetryAfter.milliseconds("Fri, 02 Jan 2026 00:00:00 GMT", now: now) == RetryAfter.maxMs)
    }

    @Test(arguments: ["", "soon", "-5", "1.5", "Thu, 01 Jan 2026 00:00:30 PST", "Thu, 32 Jan 2026 00:00:30 GMT", "Thu, 01 Foo 2026 00:00:30 GMT"])
    func anythingElseIsIgnored(_ text: String) {
        #expect(RetryAfter.milliseconds(text, now: now) == nil)
    }
}
