import Foundation

/// Where droprun gets the time and how it waits.
///
/// Injected everywhere time matters (retry backoff, timeouts, settling, record
/// times), so tests step a manual clock instead of sleeping.
public protocol RunnerClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
    /// Suspends for `duration`; throws `CancellationError` if the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock.
public struct SystemClock: RunnerClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

extension Duration {
    /// Whole milliseconds.
    public static func ms(_ value: Int) -> Duration { .milliseconds(value) }

    /// The duration in (fractional) milliseconds.
    public var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

extension Date {
    /// Whole milliseconds from `start` to this date, never negative.
    ///
    /// Both times are first rounded to whole milliseconds, as records write them,
    /// so a duration always equals the difference of the two times shown.
    public func milliseconds(since start: Date) -> Int {
        let end = (timeIntervalSince1970 * 1000).rounded()
        let begin = (start.timeIntervalSince1970 * 1000).rounded()
        return max(0, Int(end - begin))
    }
}
