/// Durations counted into fixed buckets, as Prometheus histograms want them (bounds in seconds).
public struct DurationHistogram: Sendable, Equatable {
    /// Upper bounds of the buckets, in seconds (a last `+Inf` bucket is implied).
    public static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]

    /// How many durations fell in each bucket (not cumulative); one more than `bounds`, the last for `+Inf`.
    public private(set) var counts = [Int](repeating: 0, count: DurationHistogram.bounds.count + 1)
    /// Sum of every duration, in seconds.
    public private(set) var sum: Double = 0
    /// How many durations were counted.
    public private(set) var count = 0

    public init() {}

    /// Counts one duration.
    public mutating func observe(milliseconds ms: Int) {
        let seconds = Double(max(0, ms)) / 1000
        let bucket = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
        counts[bucket] += 1
        sum += seconds
        count += 1
    }

    /// Cumulative counts per bound, ending with `+Inf` (equal to `count`), as the exposition format writes them.
    public var cumulative: [Int] {
        var total = 0
        return counts.map {
            total += $0
            return total
        }
    }
}
