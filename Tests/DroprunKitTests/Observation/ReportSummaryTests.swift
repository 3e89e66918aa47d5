import Foundation
import Testing

@testable import DroprunKit

/// What a report counts from index entries alone: statuses, time buckets, durations, the slowest runs, failures by code.
@Suite struct ReportSummaryTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    static func entry(_ runId: String, _ status: RunStatus, finishedAgo: TimeInterval, ms: Int, code: String? = nil) -> IndexEntry {
        let finished = now.addingTimeInterval(-finishedAgo)
        return IndexEntry(
            runId: runId, status: status, workflowName: "w", workflowVersion: nil, labels: [:],
            createdAt: finished.addingTimeInterval(-Double(ms) / 1000), finishedAt: finished, durationMs: ms, errorCode: code,
            errorStep: code == nil ? nil : "check", requestSHA256: "", audit: [])
    }

    @Test func countsBucketsAndTheSlowest() {
        let entries = [
            Self.entry("a", .succeeded, finishedAgo: 10, ms: 40), Self.entry("b", .failed, finishedAgo: 20, ms: 4_000, code: "x"),
            Self.entry("c", .cancelled, finishedAgo: 5 * 3_600, ms: 70_000), Self.entry("d", .succeeded, finishedAgo: 23 * 3_600, ms: 3),
        ]
        let summary = ReportSummary(entries: entries, from: Self.now.addingTimeInterval(-86_400), through: Self.now)
        #expect((summary.succeeded, summary.failed, summary.cancelled) == (2, 1, 1))
        // A day in at most 48 bars: half-hour buckets, on whole half hours.
        #expect(summary.bucketSeconds == 1_800)
        #expect(summary.bucketWords == "30 minutes")
        #expect(summary.buckets.count <= 49)
        #expect(summary.buckets.allSatisfy { $0.start.timeIntervalSince1970.truncatingRemainder(dividingBy: 1_800) == 0 })
        #expect(summary.buckets.reduce(0) { $0 + $1.total } == 4)
        let last = summary.buckets.last
        #expect(last?.succeeded == 1 && last?.failed == 1)
        #expect(summary.slowest.map(\.runId) == ["c", "b", "a", "d"])
        #expect(summary.durations.count == 4)
    }

    @Test(arguments: [(600.0, 15.0), (3_600.0, 300.0), (7 * 86_400.0, 6 * 3_600.0), (10.0, 5.0)])
    func bucketsKeepTheChartAt48BarsOrFewer(window: TimeInterval, expected: TimeInterval) {
        let summary = ReportSummary(entries: [], from: Self.now.addingTimeInterval(-window), through: Self.now)
        #expect(summary.bucketSeconds == expected)
    }

    @Test func durationsReadAsPeopleSayThem() {
        #expect(HTMLText.duration(ms: 850) == "850 ms")
        #expect(HTMLText.duration(ms: 4_200) == "4.2 s")
        #expect(HTMLText.duration(ms: 200_000) == "3 m 20 s")
        #expect(HTMLText.duration(ms: 5 * 3_600_000 + 120_000) == "5 h 02 m")
        #expect(HTMLText.duration(ms: 2 * 86_400_000 + 3 * 3_600_000) == "2 d 3 h")
        #expect(HTMLText.escape("a<b>&\"'\u{1}") == "a&lt;b&gt;&amp;&quot;&#39;\u{FFFD}")
    }
}
