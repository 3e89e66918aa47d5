/// Per-step retry: up to `maxAttempts` attempts, waiting `backoffMs`, then that times `multiplier`, ...
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, including the first.
    public var maxAttempts: Int
    /// Wait before the second attempt.
    public var backoffMs: Int
    /// Growth of the wait from one retry to the next.
    public var multiplier: Double
    /// Upper bound of any one wait.
    public var maxBackoffMs: Int

    public init(maxAttempts: Int = 1, backoffMs: Int = 100, multiplier: Double = 2, maxBackoffMs: Int = 60_000) {
        self.maxAttempts = maxAttempts
        self.backoffMs = backoffMs
        self.multiplier = multiplier
        self.maxBackoffMs = maxBackoffMs
    }

    /// The wait before attempt `attempt + 1`, after attempt `attempt` (1-based) failed.
    public func delayMs(afterAttempt attempt: Int) -> Int {
        var delay = Double(backoffMs)
        if attempt > 1 {
            for _ in 1..<attempt { delay *= multiplier }
        }
        return Int(min(delay, Double(maxBackoffMs)).rounded())
    }
}
