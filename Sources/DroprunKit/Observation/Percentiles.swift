/// The spread of some durations: how many, their 50th, 95th and 99th percentiles and the longest (milliseconds).
///
/// Percentiles are by nearest rank: the p-th percentile is the smallest
/// duration with at least p% of them at or below it (the value at position
/// ⌈p·n/100⌉ of the sorted durations). Every value is one that occurred, so
/// `p99` of 10 durations is the longest, and a test can say exactly what to
/// expect. Exact, not estimated from buckets: the caller keeps the durations
/// (an `Int` each, 8 MB a million).
public struct Percentiles: Sendable, Equatable {
    /// Durations counted.
    public var count: Int
    public var p50: Int
    public var p95: Int
    public var p99: Int
    /// The longest.
    public var max: Int

    public init(count: Int, p50: Int, p95: Int, p99: Int, max: Int) {
        self.count = count
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.max = max
    }

    /// The spread of `durations` (in any order); nil when there are none.
    public init?(_ durations: [Int]) {
        guard !durations.isEmpty else { return nil }
        let sorted = durations.sorted()
        self.init(
            count: sorted.count, p50: Self.rank(50, sorted), p95: Self.rank(95, sorted), p99: Self.rank(99, sorted), max: sorted[sorted.count - 1])
    }

    /// The `percent`-th percentile of sorted, non-empty values, by nearest rank.
    static func rank(_ percent: Int, _ sorted: [Int]) -> Int {
        // ⌈percent·n/100⌉ in integers, at least 1.
        let position = Swift.max(1, (percent * sorted.count + 99) / 100)
        return sorted[Swift.min(position, sorted.count) - 1]
    }

    /// As `stats --json` writes it: `count`, `p50`, `p95`, `p99`, `max`.
    public var json: JSONValue {
        ["count": .int(count), "p50": .int(p50), "p95": .int(p95), "p99": .int(p99), "max": .int(max)]
    }
}
