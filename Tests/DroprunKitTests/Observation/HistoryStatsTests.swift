import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `HistoryStats.gather` over a small generated index: exact counts, percentiles, retries, rejections and window edges.
@Suite struct HistoryStatsTests {
    typealias Counts = HistoryStats.StatusCounts

    static func gather(_ fixture: StatsFixture, snapshot: RootSnapshot? = nil) throws -> HistoryStats {
        try HistoryStats.gather(
            layout: fixture.root.layout, fileSystem: PosixFileSystem(), since: StatsFixture.since, until: StatsFixture.until,
            snapshot: snapshot ?? RootSnapshot(takenAt: StatsFixture.until))
    }

    @Test func countsByStatusWorkflowAndTenantOnceEachWithinTheWindow() throws {
        let stats = try Self.gather(try StatsFixture.make())
        #expect(stats.source == .index)
        // r1 finished at --since (in), o1 a millisecond before (out), o2 at --until (out), r4 a millisecond before it (in);
        // r2, written by two writers, counts once.
        #expect(stats.runs == Counts(succeeded: 2, failed: 2, cancelled: 1))
        #expect(stats.workflows.keys.sorted() == ["a", "b"])
        #expect(stats.workflows["a"]?.runs == Counts(succeeded: 2, failed: 1, cancelled: 1))
        #expect(stats.workflows["b"]?.runs == Counts(failed: 1))
        #expect(stats.tenants == ["acme": Counts(succeeded: 2), "globex": Counts(failed: 1)])
        #expect(stats.withoutTenant == Counts(failed: 1, cancelled: 1))
        #expect(stats.runsPerMinute == 5.0 / 1440)
        #expect(stats.unreadable == HistoryStats.Unreadable())
    }

    @Test func runDurationPercentilesPerWorkflow() throws {
        let stats = try Self.gather(try StatsFixture.make())
        #expect(stats.workflows["a"]?.durationMs == Percentiles(count: 4, p50: 200, p95: 400, p99: 400, max: 400))
        #expect(stats.workflows["b"]?.durationMs == Percentiles(count: 1, p50: 50, p95: 50, p99: 50, max: 50))
    }

    @Test func stepDurationsAndRetriesPerProviderFromTheLinesSteps() throws {
        let stats = try Self.gather(try StatsFixture.make())
        let exec = try #require(stats.providers["exec"])
        #expect(exec.steps == 5)
        #expect(exec.failed == 1)
        #expect(exec.retries == 3)
        #expect(exec.durationMs == Percentiles(count: 5, p50: 30, p95: 50, p99: 50, max: 50))
        // The skipped echo step of r3 never ran: not counted.
        let echo = try #require(stats.providers["echo"])
        #expect(echo.steps == 3)
        #expect(echo.retries == 0)
        #expect(echo.durationMs == Percentiles(count: 3, p50: 5, p95: 5, p99: 5, max: 5))
        #expect(stats.providers.keys.sorted() == ["echo", "exec"])
        // r5's line was written before lines kept steps.
        #expect(stats.runsWithoutSteps == 1)
    }

    @Test func rejectionsByReasonFromErrorFilesModifiedInTheWindow() throws {
        let stats = try Self.gather(try StatsFixture.make())
        // old.json (a second before --since) and late.json (at --until) are outside; torn's error file is not JSON.
        #expect(stats.rejections == ["invalid_json": 2, "duplicate": 1, "?": 1])
        #expect(stats.rejected == 4)
    }

    @Test func onlyTheDaysOfTheWindowAreOpened() throws {
        let fixture = try StatsFixture.make()
        let reader = IndexReader(layout: fixture.root.layout, fileSystem: PosixFileSystem())
        let pass = try reader.forEachFinished(since: StatsFixture.since, until: StatsFixture.until) { _ in }
        // Not 2026-11-29's (ended before --since) nor 2026-12-02's (began after --until).
        #expect(
            pass.filesRead.map { Path.name($0) } == [
                "2026-12-01~testhost-1-i1.jsonl", "2026-11-30~testhost-1-i1.jsonl", "2026-11-30~testhost-2-i1.jsonl",
            ])
        #expect(pass.runs == 5)
    }

    @Test func theLastHourPerMinute() throws {
        let stats = try Self.gather(try StatsFixture.make())
        #expect(stats.lastHour.from == Timestamp.parse("2026-12-01T11:00:00.000Z"))
        var expected = [Int](repeating: 0, count: 60)
        expected[0] = 1  // r5 at 11:00:00.000
        expected[59] = 1  // r4 at 11:59:59.999
        #expect(stats.lastHour.runs == expected)
    }

    @Test func aWindowShorterThanAnHourHasAMinuteEach() {
        let until = StatsFixture.until
        let minutes = HistoryStats.minutes(since: until.addingTimeInterval(-150), until: until)
        #expect(minutes.runs.count == 3)
        #expect(minutes.from == until.addingTimeInterval(-180))
    }

    @Test func thePresentFromTheSnapshot() throws {
        var snapshot = RootSnapshot(takenAt: StatsFixture.until)
        snapshot.inboxDepth = 3
        snapshot.oldestDropAt = StatsFixture.until.addingTimeInterval(-90)
        snapshot.claimedDepth = 2
        snapshot.oldestClaimedAt = StatsFixture.until.addingTimeInterval(-120)
        func waiting(_ id: String, age: TimeInterval, expiresIn: TimeInterval?) -> RootSnapshot.Waiting {
            let at = StatsFixture.until
            return RootSnapshot.Waiting(
                runId: id, workflow: "w",
                approval: PendingApproval(
                    step: "ok", message: "", requestedAt: at.addingTimeInterval(-age), expiresAt: expiresIn.map { at.addingTimeInterval($0) }))
        }
        snapshot.waiting = [waiting("w1", age: 7200, expiresIn: -1), waiting("w2", age: 60, expiresIn: nil), waiting("w3", age: 30, expiresIn: 0)]
        let stats = try Self.gather(try StatsFixture.make(), snapshot: snapshot)
        #expect(stats.inbox == HistoryStats.Inbox(depth: 3, oldestAgeSeconds: 90))
        #expect(stats.claimed == HistoryStats.Inbox(depth: 2, oldestAgeSeconds: 120))
        #expect(stats.approvals == HistoryStats.Approvals(waiting: 3, oldestAgeSeconds: 7200, overdue: 2))
    }

    /// Without the marker, as `list` does: every result is read (steps from the records).
    @Test func withoutABuiltIndexTheResultsAreRead() throws {
        let fixture = try StatsFixture.make(built: false)
        let stats = try Self.gather(fixture)
        #expect(stats.source == .results)
        #expect(stats.runs == Counts(succeeded: 2, failed: 2, cancelled: 1))
        #expect(stats.tenants == ["acme": Counts(succeeded: 2), "globex": Counts(failed: 1)])
        #expect(stats.workflows["a"]?.durationMs == Percentiles(count: 4, p50: 200, p95: 400, p99: 400, max: 400))
        #expect(stats.rejections == ["invalid_json": 2, "duplicate": 1, "?": 1])
    }

    @Test func anUnreadableResultIsCountedWhenResultsAreRead() throws {
        let fixture = try StatsFixture.make(built: false)
        try fixture.root.write("outbox/results/torn.json", "{")
        let stats = try Self.gather(fixture)
        #expect(stats.unreadable.results == 1)
        #expect(stats.runs.total == 5)
    }

    @Test func aTornLineIsSkippedAndCounted() throws {
        let fixture = try StatsFixture.make()
        try fixture.history.append(
            Array(#"{"audit":[],"createdAt":"2026-12-01T10:00:00.000Z","finishedAt":"2026-12-01T10:00:01.000Z","ru"#.utf8) + [0x0A],
            to: fixture.history.indexFile(day: "2026-12-01"))
        let stats = try Self.gather(fixture)
        #expect(stats.unreadable.indexLines == 1)
        #expect(stats.runs.total == 5)
    }

    @Test func theJSONHasItsDocumentedKeys() throws {
        let stats = try Self.gather(try StatsFixture.make())
        let json = stats.json
        #expect(
            json.objectValue?.keys.sorted() == [
                "approvals", "claimed", "inbox", "lastHour", "providers", "rejected", "rejections", "runs", "runsPerMinute", "runsWithoutSteps",
                "since",
                "source",
                "takenAt", "tenants", "unreadable", "until", "withoutTenant", "workflows",
            ])
        #expect(json["runs"] == ["total": 5, "succeeded": 2, "failed": 2, "cancelled": 1])
        #expect(json["workflows"]?["a"]?["durationMs"] == ["count": 4, "p50": 200, "p95": 400, "p99": 400, "max": 400])
        #expect(json["providers"]?["exec"]?["retries"] == 3)
        #expect(json["tenants"]?["acme"]?["total"] == 2)
        #expect(json["rejections"]?["invalid_json"] == 2)
        #expect(json["source"] == "index")
        #expect(json["since"] == "2026-11-30T12:00:00.000Z")
        #expect(json["approvals"] == ["waiting": 0, "oldestAgeSeconds": nil, "overdue": 0])
    }
}
