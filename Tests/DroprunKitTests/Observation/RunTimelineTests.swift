import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Step timelines: attempts, backoffs and approval waits from a record and its audit events, and where the Gantt chart draws them.
@Suite struct RunTimelineTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)
    static func at(_ ms: Int) -> Date { t0.addingTimeInterval(Double(ms) / 1000) }

    /// A finished run: `fetch` failed once and succeeded on its second attempt, then `ok` waited a second for an approval.
    static func record() throws -> RunRecord {
        let steps: [JSONValue] = [
            [
                "id": "fetch", "provider": "fail", "status": "succeeded", "attempts": 2, "startedAt": .string(Timestamp.format(at(0))),
                "finishedAt": .string(Timestamp.format(at(400))),
            ],
            [
                "id": "ok", "provider": "approval", "status": "succeeded", "attempts": 1, "startedAt": .string(Timestamp.format(at(400))),
                "finishedAt": .string(Timestamp.format(at(1_420))),
            ],
        ]
        let json: JSONValue = [
            "runId": "r", "status": "succeeded", "workflow": ["name": "w", "version": .null], "createdAt": .string(Timestamp.format(at(-50))),
            "startedAt": .string(Timestamp.format(at(0))), "finishedAt": .string(Timestamp.format(at(1_420))), "steps": .array(steps),
            "waitedForApprovalMs": 1_000,
        ]
        return try RunRecord(validating: json)
    }

    static let events: [TimelineEvent] = [
        TimelineEvent(at: at(0), kind: .stepStarted, step: "fetch", attempt: 1),
        TimelineEvent(at: at(100), kind: .stepRetry, step: "fetch", attempt: 1, delayMs: 200, code: "busy", message: "try <later>"),
        TimelineEvent(at: at(300), kind: .stepStarted, step: "fetch", attempt: 2),
        TimelineEvent(at: at(400), kind: .stepSucceeded, step: "fetch", attempt: 2),
        TimelineEvent(at: at(400), kind: .stepStarted, step: "ok", attempt: 1),
        TimelineEvent(at: at(410), kind: .waitingApproval, step: "ok"),
        TimelineEvent(at: at(1_410), kind: .resumed, step: "ok"),
        TimelineEvent(at: at(1_420), kind: .stepSucceeded, step: "ok", attempt: 1),
    ]

    @Test func aRetryAndAnApprovalWaitFromTheAudit() throws {
        let timeline = RunTimeline(record: try Self.record(), events: Self.events)
        #expect(timeline.start.milliseconds(since: Self.t0) == 0 && timeline.end.milliseconds(since: Self.t0) == 1_420)
        let fetch = timeline.lanes[0].segments
        #expect(fetch.map(\.kind) == [.attempt(1), .backoff, .attempt(2)])
        #expect(fetch.map(\.outcome) == [.retried, .done, .succeeded])
        #expect(fetch.map(\.start) == [Self.at(0), Self.at(100), Self.at(300)])
        #expect(fetch.map(\.end) == [Self.at(100), Self.at(300), Self.at(400)])
        #expect(fetch[0].note == "busy: try <later>")
        #expect(fetch[1].note == "retry in 200 ms")
        let ok = timeline.lanes[1].segments
        #expect(ok.map(\.kind) == [.attempt(1), .wait, .attempt(1)])
        #expect(ok[1].start == Self.at(410) && ok[1].end == Self.at(1_410))
        #expect(ok[1].note == "approved (1.0 s)")
        #expect(ok[2].outcome == .succeeded)
        #expect(timeline.lanes.allSatisfy { $0.fromAudit })
    }

    @Test func theGanttChartPlacesEachStretchOnTheRunsOwnScale() throws {
        let chart = GanttChart(timeline: RunTimeline(record: try Self.record(), events: Self.events))
        let plot = chart.plotWidth
        let left = GanttChart.labelWidth
        func x(_ ms: Double) -> Double { left + ms / 1_420 * plot }
        let bars = chart.bars
        #expect(bars.map(\.lane) == [0, 0, 0, 1, 1, 1])
        let backoff = try #require(bars.first { $0.segment.kind == .backoff })
        #expect(abs(backoff.x - x(100)) < 0.001 && abs(backoff.width - (x(300) - x(100))) < 0.001)
        let wait = try #require(bars.first { $0.segment.kind == .wait })
        #expect(abs(wait.x - x(410)) < 0.001 && abs(wait.width - (x(1_410) - x(410))) < 0.001)
        // An instant is still seen.
        #expect(bars.allSatisfy { $0.width >= GanttChart.minimumBar })
        let last = try #require(bars.last)
        #expect(last.x + last.width <= left + plot + 0.001)
        let svg = chart.svg
        #expect(svg.contains("fetch · fail ×2"))
        #expect(svg.contains("stroke-dasharray"), "the backoff is not drawn dashed")
        #expect(svg.contains("waiting for approval"))
        #expect(svg.contains("try &lt;later&gt;") && !svg.contains("<later>"))
    }

    /// Without events the record still draws a bar per step: an approval step's is its wait.
    @Test func withoutEventsTheRecordAloneGivesABarPerStep() throws {
        let timeline = RunTimeline(record: try Self.record(), events: [])
        #expect(timeline.lanes.map { $0.segments.map(\.kind) } == [[.attempt(2)], [.wait]])
        #expect(timeline.lanes[0].segments[0].note.contains("2 attempts"))
        #expect(timeline.lanes.allSatisfy { !$0.fromAudit })
    }

    /// A run taken over by another runner: the attempt in progress is cut short, the next one starts again.
    @Test func aTakeoverCutsTheAttemptShort() throws {
        let events = [
            TimelineEvent(at: Self.at(0), kind: .stepStarted, step: "fetch", attempt: 1),
            TimelineEvent(at: Self.at(200), kind: .recovered, step: nil),
            TimelineEvent(at: Self.at(250), kind: .stepStarted, step: "fetch", attempt: 1),
            TimelineEvent(at: Self.at(400), kind: .stepSucceeded, step: "fetch", attempt: 1),
        ]
        let lane = RunTimeline(record: try Self.record(), events: events).lanes[0]
        #expect(lane.segments.map(\.outcome) == [.interrupted, .succeeded])
        #expect(lane.segments[0].end == Self.at(200))
        // Run again after a takeover: no retry.
        #expect(RunTimeline(record: try Self.record(), events: events).attemptsAgain == ["1 run again after an interruption"])
    }

    /// The report's words for attempts beyond the first: retries only where the audit shows them.
    @Test func attemptsAgainTellRetriesFromTheAudit() throws {
        #expect(RunTimeline(record: try Self.record(), events: Self.events).attemptsAgain == ["1 retry"])
        #expect(RunTimeline(record: try Self.record(), events: []).attemptsAgain == ["1 attempt beyond the first"])
    }

    /// The real engine's events: a retry's attempts and the approval wait of a run resumed by a later `run --once`.
    @Test func timelinesFromARealRootReadTheAuditOfEachChain() async throws {
        let root = try TemporaryRoot()
        try root.drop("flaky-1.json", ReportCommandTests.retries)
        try root.drop(
            "rel-1.json",
            #"{"workflow":{"name":"release","steps":[{"id":"build","provider":"delay","with":{"ms":300}},{"id":"sign-off","provider":"approval","with":{"message":"ok?"}},{"id":"deploy","provider":"delay","with":{"ms":100}}]}}"#
        )
        let clock = InstantClock(start: Date())
        let cli = CLITester(root: root.path, clock: clock)
        _ = await cli.run(["run", "--once"])
        try await clock.sleep(for: .seconds(5))
        #expect(await cli.run(["approve", "rel-1"]).code == .success)
        _ = await cli.run(["run", "--once"])
        let report = Report.read(
            layout: root.layout, fileSystem: PosixFileSystem(), liveness: root.engine(clock: clock).liveness,
            now: clock.now(), since: nil, timelineRuns: 20)
        let flaky = try #require(report.timelines.first { $0.runId == "flaky-1" })
        #expect(flaky.lanes[0].segments.map(\.kind) == [.attempt(1), .backoff, .attempt(2)])
        // At least the backoff (the shared test clock also jumps over the other run's delays).
        #expect(flaky.lanes[0].segments[1].end.milliseconds(since: flaky.lanes[0].segments[1].start) >= 200)
        let release = try #require(report.timelines.first { $0.runId == "rel-1" })
        let wait = try #require(release.lanes[1].segments.first { $0.kind == .wait })
        #expect(wait.end.timeIntervalSince(wait.start) >= 5)
        #expect(release.lanes[1].fromAudit)
    }
}
