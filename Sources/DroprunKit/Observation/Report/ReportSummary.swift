import Foundation

/// What a report counts from its window's runs: statuses, runs per time bucket, the duration histogram, the slowest runs.
///
/// Computed from the index's entries alone (no record is read), once, so the
/// page and the tests see the same figures.
struct ReportSummary: Sendable, Equatable {
    /// Runs of one time bucket, by final status.
    struct Bucket: Sendable, Equatable {
        /// Where the bucket begins (it ends one `ReportSummary.bucketSeconds` later).
        var start: Date
        var succeeded = 0
        var failed = 0
        var cancelled = 0

        var total: Int { succeeded + failed + cancelled }
    }

    /// Finished runs by status.
    var succeeded = 0
    var failed = 0
    var cancelled = 0
    /// The runs over time, by the bucket of their `finishedAt`, oldest first.
    var buckets: [Bucket] = []
    /// The length of a bucket.
    var bucketSeconds: TimeInterval = 60
    /// Run durations counted into `DurationHistogram`'s buckets (as the metrics file counts them).
    var durations = DurationHistogram()
    /// The slowest runs, slowest first.
    var slowest: [IndexEntry] = []

    var finished: Int { succeeded + failed + cancelled }

    /// A bucket's length in words: `minute`, `5 minutes`, `hour`, `day`.
    var bucketWords: String {
        let seconds = Int(bucketSeconds)
        for (unit, name) in [(365 * 86_400, "year"), (7 * 86_400, "week"), (86_400, "day"), (3_600, "hour"), (60, "minute")]
        where seconds % unit == 0 && seconds >= unit {
            let n = seconds / unit
            return n == 1 ? name : "\(n) \(name)s"
        }
        return seconds == 1 ? "second" : "\(seconds) seconds"
    }

    /// Bucket lengths to choose from: the shortest that keeps the chart at `maxBuckets` bars or fewer.
    static let bucketChoices: [TimeInterval] = [
        5, 10, 15, 30, 60, 300, 900, 1_800, 3_600, 3 * 3_600, 6 * 3_600, 12 * 3_600, 86_400, 7 * 86_400, 30 * 86_400, 365 * 86_400,
    ]
    static let maxBuckets = 48

    /// Counts `entries`, with the chart running from `from` to `through`.
    init(entries: [IndexEntry], from: Date, through: Date, slowest slowestCount: Int = 10) {
        for entry in entries {
            switch entry.status {
            case .succeeded: succeeded += 1
            case .failed: failed += 1
            default: cancelled += 1
            }
            if let ms = entry.durationMs { durations.observe(milliseconds: ms) }
        }
        let span = max(through.timeIntervalSince(from), 1)
        bucketSeconds = Self.bucketChoices.first { span / $0 <= Double(Self.maxBuckets) } ?? Self.bucketChoices[Self.bucketChoices.count - 1]
        // Buckets start on multiples of their length (whole minutes, hours, UTC days), so two reports line up.
        let first = (from.timeIntervalSince1970 / bucketSeconds).rounded(.down) * bucketSeconds
        let count = Int(((through.timeIntervalSince1970 - first) / bucketSeconds).rounded(.down)) + 1
        buckets = (0..<max(count, 1)).map { Bucket(start: Date(timeIntervalSince1970: first + Double($0) * bucketSeconds)) }
        for entry in entries {
            let index = Int(((entry.finishedAt.timeIntervalSince1970 - first) / bucketSeconds).rounded(.down))
            guard buckets.indices.contains(index) else { continue }
            switch entry.status {
            case .succeeded: buckets[index].succeeded += 1
            case .failed: buckets[index].failed += 1
            default: buckets[index].cancelled += 1
            }
        }
        slowest = Array(
            entries.filter { $0.durationMs != nil }
                .sorted { ($0.durationMs ?? 0, $1.runId) > ($1.durationMs ?? 0, $0.runId) }
                .prefix(slowestCount))
    }
}
