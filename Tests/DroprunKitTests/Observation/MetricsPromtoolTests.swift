import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The metrics file as Prometheus's own checker reads it: `promtool check metrics` must parse it and find nothing to lint.
///
/// Skipped, with a note, where `promtool` (Debian package `prometheus`) is not installed; `.ci/run` installs it.
@Suite struct MetricsPromtoolTests {
    init() {
        if Promtool.path == nil {
            print("note: promtool is not installed (apt-get install prometheus): MetricsPromtoolTests are skipped")
        }
    }

    /// Every family with samples, label values that need escaping, histograms with observations in and past every bucket.
    @Test(.enabled(if: Promtool.path != nil, "promtool is not installed (apt-get install prometheus)"))
    func promtoolAcceptsEveryFamilyAndEscapedLabels() async throws {
        var (activity, root) = MetricsTextTests.smallSnapshot()
        let odd = "quote \" backslash \\ line\nfeed, ünïcode"
        activity.finished[.init(status: .cancelled, workflow: odd)] = 3
        var histogram = DurationHistogram()
        for ms in [0, 5, 6, 10, 999, 1_000, 3_600_000, 3_600_001, 90_000_000] { histogram.observe(milliseconds: ms) }
        activity.runDurations[odd] = histogram
        activity.stepDurations["exec"] = histogram
        activity.retries["llm"] = 7
        root.runners.append(.init(folderName: "host-with-\"odd\"-9", renewedAt: root.takenAt, isLive: true))
        let text = MetricsFile.text(activity: activity, root: root, runner: "testhost-4242", now: root.takenAt)
        #expect(text.contains(#"workflow="quote \" backslash \\ line\nfeed, ünïcode""#))
        let (code, output) = try await Promtool.check(text)
        #expect(code == 0 && output.isEmpty, "promtool check metrics exited \(code): \(output)\n\(text)")
    }

    /// The file a real `run --once` leaves on a root (succeeded, failed after retries, rejected, waiting for approval).
    @Test(.enabled(if: Promtool.path != nil, "promtool is not installed (apt-get install prometheus)"))
    func promtoolAcceptsTheFileARunLeaves() async throws {
        let root = try TemporaryRoot()
        try root.drop("ok.json", RequestText.make(steps: [#"{"id": "s", "provider": "echo", "with": {"x": 1}}"#]))
        try root.drop(
            "flaky.json",
            RequestText.make(steps: [
                #"{"id": "f", "provider": "fail", "with": {"code": "boom", "message": "no", "retryable": true, "times": 5}, "retry": {"maxAttempts": 3, "backoffMs": 1}}"#
            ]))
        try root.drop("gate.json", RequestText.make(steps: [#"{"id": "g", "provider": "approval", "with": {"message": "ship?"}}"#]))
        try root.drop("bad.json", "{nope")
        try await root.runOnce()
        let text = try #require(root.read("outbox/metrics.prom"))
        #expect(text.contains(#"droprun_runs_finished_total{status="failed",workflow="test"} 1"#), "\(text)")
        #expect(text.contains(#"droprun_step_retries_total{provider="fail"} 2"#), "\(text)")
        #expect(text.contains("\ndroprun_approvals_waiting 1\n"), "\(text)")
        let (code, output) = try await Promtool.check(text)
        #expect(code == 0 && output.isEmpty, "promtool check metrics exited \(code): \(output)\n\(text)")
    }
}
