import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The exposition text: its exact form for a small snapshot, escaping, numbers and histogram buckets.
@Suite struct MetricsTextTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)

    /// A runner that finished three runs of `greet` (one failed, after a retry) and rejected one file, on a root with work waiting.
    static func smallSnapshot() -> (RunnerActivity.Snapshot, RootSnapshot) {
        var activity = RunnerActivity.Snapshot(startedAt: start)
        activity.lastClaimedAt = start.addingTimeInterval(5)
        activity.lastFinishedAt = start.addingTimeInterval(10)
        activity.claimed = 3
        activity.finished = [.init(status: .succeeded, workflow: "greet"): 2, .init(status: .failed, workflow: "greet"): 1]
        var runs = DurationHistogram()
        for ms in [3, 40, 2_000] { runs.observe(milliseconds: ms) }
        activity.runDurations = ["greet": runs]
        var steps = DurationHistogram()
        steps.observe(milliseconds: 7)
        activity.stepDurations = ["fail": steps]
        activity.retries = ["fail": 1]
        activity.rejections = [.invalidJSON: 1]

        let now = start.addingTimeInterval(70)
        var root = RootSnapshot(takenAt: now)
        root.inboxDepth = 4
        root.oldestDropAt = start.addingTimeInterval(40)
        root.claimedDepth = 2
        root.oldestClaimedAt = start.addingTimeInterval(20)
        root.oldestClaimedFile = "outbox/claimed/testhost-4242/a.json"
        root.running = 1
        root.waiting = [
            .init(
                runId: "r1", workflow: "greet",
                approval: PendingApproval(step: "ok", message: "ship it?", requestedAt: start.addingTimeInterval(10), expiresAt: nil))
        ]
        root.runners = [
            .init(folderName: "other-7", renewedAt: start.addingTimeInterval(30), isLive: false, mode: "watch", startedAt: start),
            // Shares host and mode with the dead one: one series, the worst of both.
            .init(
                folderName: "other-9", renewedAt: start.addingTimeInterval(60), isLive: true, mode: "watch", startedAt: start,
                lastProgressAt: start.addingTimeInterval(50)),
            .init(
                folderName: "testhost-4242", renewedAt: start.addingTimeInterval(69.5), isLive: true, mode: "once", startedAt: start,
                lastProgressAt: start.addingTimeInterval(5)),
        ]
        return (activity, root)
    }

    @Test func theTextOfASmallSnapshotIsExactlyThis() {
        let (activity, root) = Self.smallSnapshot()
        let text = MetricsFile.text(activity: activity, root: root, runner: "testhost-4242", now: root.takenAt, version: "0.1.0")
        #expect(text == Self.expected, "\(text)")
    }

    @Test(arguments: [
        ("plain", "plain"),
        (#"say "hi""#, #"say \"hi\""#),
        (#"C:\temp"#, #"C:\\temp"#),
        ("two\nlines", #"two\nlines"#),
        (#"all \ " and"# + "\n", #"all \\ \" and\n"#),
        ("ünïcode ✓", "ünïcode ✓"),
    ])
    func labelValuesEscapeBackslashQuoteAndLineFeed(value: String, escaped: String) {
        #expect(MetricsText.escapeLabel(value) == escaped)
        var m = MetricsText()
        m.sample("x_total", [("workflow", value)], 1)
        #expect(m.text == "x_total{workflow=\"\(escaped)\"} 1\n")
    }

    @Test func helpTextEscapesBackslashAndLineFeedButNotQuotes() {
        #expect(MetricsText.escapeHelp(#"a "b" \ c"# + "\nd") == #"a "b" \\ c\nd"#)
        var m = MetricsText()
        m.family("x_total", .counter, help: "one\ntwo")
        #expect(m.text == "# HELP x_total one\\ntwo\n# TYPE x_total counter\n")
    }

    @Test(arguments: [
        (0.0, "0"), (1.0, "1"), (5000.0, "5000"), (0.005, "0.005"), (2.5, "2.5"), (1_767_225_600.123, "1767225600.123"),
        (-3.0, "-3"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"), (1e20, "1e+20"),
    ])
    func numbersAreWrittenAsGoReadsThem(value: Double, text: String) {
        #expect(MetricsText.number(value) == text)
    }

    /// Buckets are cumulative, each bound inclusive (a duration equal to a bound is in its bucket), `+Inf` equals the count.
    @Test func histogramBucketsAreCumulativeWithInclusiveBoundsAndInfLast() {
        var h = DurationHistogram()
        // 5 ms is on the first bound; 3,600,001 ms is past the last (only in +Inf); a negative duration counts as 0.
        for ms in [-4, 5, 6, 10, 11, 1_000, 3_600_000, 3_600_001] { h.observe(milliseconds: ms) }
        #expect(h.count == 8)
        #expect(h.cumulative == [2, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 8])
        var m = MetricsText()
        m.histogram("d_seconds", [("workflow", "w")], h)
        let lines = m.text.split(separator: "\n").map(String.init)
        #expect(lines.count == DurationHistogram.bounds.count + 3)
        #expect(lines.first == #"d_seconds_bucket{workflow="w",le="0.005"} 2"#)
        #expect(lines[7] == #"d_seconds_bucket{workflow="w",le="1"} 6"#)
        #expect(lines[15] == #"d_seconds_bucket{workflow="w",le="3600"} 7"#)
        #expect(lines[16] == #"d_seconds_bucket{workflow="w",le="+Inf"} 8"#)
        #expect(lines[17] == #"d_seconds_sum{workflow="w"} 7201.033"#)
        #expect(lines[18] == #"d_seconds_count{workflow="w"} 8"#)
        // Cumulative counts never go down.
        #expect(zip(h.cumulative, h.cumulative.dropFirst()).allSatisfy { $0 <= $1 })
    }

    /// A family with nothing to count still says its name and type; a workflow seen once has a line for every final status.
    @Test func familiesAreWrittenWhenEmptyAndEveryFinalStatusIsListed() {
        var activity = RunnerActivity.Snapshot(startedAt: Self.start)
        activity.finished = [.init(status: .cancelled, workflow: "b"), .init(status: .succeeded, workflow: "a")].reduce(into: [:]) {
            $0[$1] = 1
        }
        let text = MetricsFile.text(activity: activity, root: RootSnapshot(takenAt: Self.start), runner: "h-1", now: Self.start)
        #expect(text.contains("# TYPE droprun_run_duration_seconds histogram\n# HELP droprun_step_duration_seconds"))
        let finished = text.split(separator: "\n").filter { $0.hasPrefix("droprun_runs_finished_total{") }
        #expect(
            finished == [
                #"droprun_runs_finished_total{status="succeeded",workflow="a"} 1"#, #"droprun_runs_finished_total{status="failed",workflow="a"} 0"#,
                #"droprun_runs_finished_total{status="cancelled",workflow="a"} 0"#,
                #"droprun_runs_finished_total{status="succeeded",workflow="b"} 0"#,
                #"droprun_runs_finished_total{status="failed",workflow="b"} 0"#, #"droprun_runs_finished_total{status="cancelled",workflow="b"} 1"#,
            ])
        // Empty inbox and no approval: ages are 0 rather than missing, so alerts compare numbers.
        #expect(text.contains("\ndroprun_inbox_oldest_age_seconds 0\n") && text.contains("\ndroprun_approvals_oldest_age_seconds 0\n"))
    }

    static let expected = """
        # HELP droprun_build_info The droprun version writing this file (always 1).
        # TYPE droprun_build_info gauge
        droprun_build_info{version="0.1.0"} 1
        # HELP droprun_runner_start_time_seconds When the runner writing this file started, in seconds since 1970.
        # TYPE droprun_runner_start_time_seconds gauge
        droprun_runner_start_time_seconds 1767225600
        # HELP droprun_runs_finished_total Runs this runner finished since it started, by final status and workflow.
        # TYPE droprun_runs_finished_total counter
        droprun_runs_finished_total{status="succeeded",workflow="greet"} 2
        droprun_runs_finished_total{status="failed",workflow="greet"} 1
        droprun_runs_finished_total{status="cancelled",workflow="greet"} 0
        # HELP droprun_run_duration_seconds How long this runner's finished runs took, from started to finished, by workflow.
        # TYPE droprun_run_duration_seconds histogram
        droprun_run_duration_seconds_bucket{workflow="greet",le="0.005"} 1
        droprun_run_duration_seconds_bucket{workflow="greet",le="0.01"} 1
        droprun_run_duration_seconds_bucket{workflow="greet",le="0.025"} 1
        droprun_run_duration_seconds_bucket{workflow="greet",le="0.05"} 2
        droprun_run_duration_seconds_bucket{workflow="greet",le="0.1"} 2
        droprun_run_duration_seconds_bucket{workflow="greet",le="0.25"} 2
        droprun_run_duration_seconds_bucket{workflow="greet",le="0.5"} 2
        droprun_run_duration_seconds_bucket{workflow="greet",le="1"} 2
        droprun_run_duration_seconds_bucket{workflow="greet",le="2.5"} 3
        droprun_run_duration_seconds_bucket{workflow="greet",le="5"} 3
        droprun_run_duration_seconds_bucket{workflow="greet",le="10"} 3
        droprun_run_duration_seconds_bucket{workflow="greet",le="30"} 3
        droprun_run_duration_seconds_bucket{workflow="greet",le="60"} 3
        droprun_run_duration_seconds_bucket{workflow="greet",le="300"} 3
        droprun_run_duration_seconds_bucket{workflow="greet",le="900"} 3
        droprun_run_duration_seconds_bucket{workflow="greet",le="3600"} 3
        droprun_run_duration_seconds_bucket{workflow="greet",le="+Inf"} 3
        droprun_run_duration_seconds_sum{workflow="greet"} 2.043
        droprun_run_duration_seconds_count{workflow="greet"} 3
        # HELP droprun_step_duration_seconds How long the steps of this runner's finished runs took, by provider.
        # TYPE droprun_step_duration_seconds histogram
        droprun_step_duration_seconds_bucket{provider="fail",le="0.005"} 0
        droprun_step_duration_seconds_bucket{provider="fail",le="0.01"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="0.025"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="0.05"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="0.1"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="0.25"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="0.5"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="1"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="2.5"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="5"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="10"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="30"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="60"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="300"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="900"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="3600"} 1
        droprun_step_duration_seconds_bucket{provider="fail",le="+Inf"} 1
        droprun_step_duration_seconds_sum{provider="fail"} 0.007
        droprun_step_duration_seconds_count{provider="fail"} 1
        # HELP droprun_step_retries_total Step attempts beyond the first in this runner's finished runs (retries, and runs again after a crash or stop), by provider.
        # TYPE droprun_step_retries_total counter
        droprun_step_retries_total{provider="fail"} 1
        # HELP droprun_rejections_total Dropped files this runner rejected since it started, by reason.
        # TYPE droprun_rejections_total counter
        droprun_rejections_total{reason="duplicate"} 0
        droprun_rejections_total{reason="invalid_id"} 0
        droprun_rejections_total{reason="invalid_json"} 1
        droprun_rejections_total{reason="invalid_request"} 0
        droprun_rejections_total{reason="invalid_state"} 0
        droprun_rejections_total{reason="not_regular_file"} 0
        droprun_rejections_total{reason="too_large"} 0
        droprun_rejections_total{reason="unknown_run"} 0
        droprun_rejections_total{reason="unreadable"} 0
        # HELP droprun_inbox_files Files waiting in inbox/ (control messages included).
        # TYPE droprun_inbox_files gauge
        droprun_inbox_files 4
        # HELP droprun_inbox_oldest_age_seconds Age of the oldest file waiting in inbox/ (0 when it is empty).
        # TYPE droprun_inbox_oldest_age_seconds gauge
        droprun_inbox_oldest_age_seconds 30
        # HELP droprun_claimed_files Drops claimed by a runner (outbox/claimed/) and not started yet.
        # TYPE droprun_claimed_files gauge
        droprun_claimed_files 2
        # HELP droprun_queue_oldest_age_seconds Age of the oldest drop waiting to start, in inbox/ or claimed (0 when none waits).
        # TYPE droprun_queue_oldest_age_seconds gauge
        droprun_queue_oldest_age_seconds 50
        # HELP droprun_approvals_waiting Runs waiting for an approval.
        # TYPE droprun_approvals_waiting gauge
        droprun_approvals_waiting 1
        # HELP droprun_approvals_oldest_age_seconds Age of the oldest approval request not yet decided (0 when none waits).
        # TYPE droprun_approvals_oldest_age_seconds gauge
        droprun_approvals_oldest_age_seconds 60
        # HELP droprun_runs_running Runs claimed and not finished, not waiting for an approval.
        # TYPE droprun_runs_running gauge
        droprun_runs_running 1
        # HELP droprun_runners_live Runners of the root whose lease holds, by host and mode (watch or once; 0 while only dead ones' heartbeats are left).
        # TYPE droprun_runners_live gauge
        droprun_runners_live{host="other",mode="watch"} 1
        droprun_runners_live{host="testhost",mode="once"} 1
        # HELP droprun_runner_heartbeat_age_seconds Time since the runners of the root last renewed their heartbeats, by host and mode (the oldest among them).
        # TYPE droprun_runner_heartbeat_age_seconds gauge
        droprun_runner_heartbeat_age_seconds{host="other",mode="watch"} 40
        droprun_runner_heartbeat_age_seconds{host="testhost",mode="once"} 0.5
        # HELP droprun_runner_last_progress_seconds Time since the runners last claimed or finished a run (since they started, if they have not), by host and mode (the longest among them).
        # TYPE droprun_runner_last_progress_seconds gauge
        droprun_runner_last_progress_seconds{host="other",mode="watch"} 20
        droprun_runner_last_progress_seconds{host="testhost",mode="once"} 60

        """
}
