import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A runner's Prometheus metrics as a file (`metricsFile`), for the node exporter's textfile collector or any reader.
///
/// The file holds two kinds of series: what this runner process did since it
/// started (`context.activity`: counters and histograms, which restart at
/// zero with the process, as Prometheus counters do, with
/// `droprun_runner_start_time_seconds` to tell), and what the root holds at
/// the moment of writing (`RootSnapshot`: inbox, approvals, running runs, and
/// every runner's heartbeat, labelled `runner`). Several runners on one root
/// each write their own counters, so each needs a file of its own: the default
/// `outbox/metrics.prom` suits one runner per root; with several (one per host
/// on a shared disk), an absolute `metricsFile` in each host's textfile
/// folder gives each its file.
///
/// The file is replaced whole: the text goes to a hidden temporary file in the
/// same folder (`.metrics.prom.<pid>.<n>.tmp`, which the textfile collector,
/// reading only `*.prom`, skips), then is renamed over the old one, so a reader
/// sees the old file or the new one, never a part. A failed write is a warning
/// said once per runner; it never fails a run. Writing reads the root (blocking
/// file work): callers run `write()` off the task pool (`writeOffThePool`).
public final class MetricsFile: Sendable {
    private struct State {
        var settings: MetricsSettings
        var warned = false
    }

    private let context: EngineContext
    private let state: Mutex<State>
    private let worker = WorkThread(name: "droprun-metrics")

    /// A writer for `context`'s runner, with the root's `metricsFile` and `metricsIntervalSeconds`.
    public init(context: EngineContext) {
        self.context = context
        state = Mutex(State(settings: context.configuration.metrics))
    }

    /// Takes new settings (a reloaded `droprun.json`): the next write goes to the new file, or to none.
    public func reconfigure(_ settings: MetricsSettings) {
        state.withLock { $0.settings = settings }
    }

    /// How often `watch` writes, in seconds.
    public var intervalSeconds: Int { state.withLock { $0.settings.intervalSeconds } }

    /// The file written, absolute or relative to the process's folder as the root is; nil when metrics are off.
    public var path: String? {
        guard let file = state.withLock({ $0.settings.file }) else { return nil }
        return Self.resolve(file, root: context.layout.root)
    }

    /// `file` as given when absolute, else under `root`.
    static func resolve(_ file: String, root: String) -> String {
        file.hasPrefix("/") ? file : Path.join(root, file)
    }

    /// What a write did.
    public enum Outcome: Sendable, Equatable {
        /// Metrics are off (`"metricsFile": null`): nothing was read or written.
        case off
        /// The file was replaced.
        case written
        /// The file could not be written (said once as a warning).
        case failed
    }

    /// Writes the file now, on a thread of its own, and waits for it without holding a thread of the task pool.
    @discardableResult
    public func writeOffThePool() async -> Outcome {
        await worker.perform { self.write() }
    }

    /// Reads the root and this runner's activity and replaces the file (blocking file work).
    @discardableResult
    public func write() -> Outcome {
        guard let path else { return .off }
        let now = context.clock.now()
        let root = RootSnapshot.read(layout: context.layout, fileSystem: context.fileSystem, liveness: context.liveness, now: now)
        let text = Self.text(activity: context.activity.snapshot, root: root, runner: context.identity.folderName, now: now)
        let bytes = Array(text.utf8)
        let fs = context.fileSystem
        do {
            do {
                try fs.writeAtomically(path, bytes, sync: false)
            } catch let error where error.code == ENOENT && isUnderRoot(path) {
                // A folder of the root's own (`metrics/droprun.prom`) is made as the root's folders are; one elsewhere is not.
                try fs.makeDirectory(Path.parent(path))
                try fs.writeAtomically(path, bytes, sync: false)
            }
            return .written
        } catch {
            let first = state.withLock { state in
                defer { state.warned = true }
                return !state.warned
            }
            if first {
                context.warnings.warn(
                    "cannot write the metrics file \(context.layout.relative(path)): \(error); runs go on without it "
                        + "(set metricsFile in droprun.json to a writable path, or to null to write none)")
            }
            return .failed
        }
    }

    private func isUnderRoot(_ path: String) -> Bool {
        context.layout.relative(path) != path
    }

    /// The exposition text for an activity snapshot, a look at the root, and the runner writing it (its heartbeat's name).
    public static func text(activity: RunnerActivity.Snapshot, root: RootSnapshot, runner: String, now: Date, version: String = CLI.version)
        -> String
    {
        var m = MetricsText()
        func age(_ date: Date?) -> Double { date.map { max(0, (now.timeIntervalSince($0) * 1000).rounded() / 1000) } ?? 0 }

        m.family("droprun_build_info", .gauge, help: "The droprun version writing this file (always 1).")
        m.sample("droprun_build_info", [("version", version)], 1)
        m.family("droprun_runner_start_time_seconds", .gauge, help: "When the runner writing this file started, in seconds since 1970.")
        m.sample("droprun_runner_start_time_seconds", [], (activity.startedAt.timeIntervalSince1970 * 1000).rounded() / 1000)

        m.family("droprun_runs_finished_total", .counter, help: "Runs this runner finished since it started, by final status and workflow.")
        let workflows = Set(activity.finished.keys.map(\.workflow)).sorted()
        for workflow in workflows {
            for status in RunStatus.allCases where status.isFinal {
                let count = activity.finished[RunnerActivity.Finished(status: status, workflow: workflow)] ?? 0
                m.sample("droprun_runs_finished_total", [("status", status.rawValue), ("workflow", workflow)], Double(count))
            }
        }
        m.family(
            "droprun_run_duration_seconds", .histogram, help: "How long this runner's finished runs took, from created to finished, by workflow.")
        for (workflow, histogram) in activity.runDurations.sorted(by: { $0.key < $1.key }) {
            m.histogram("droprun_run_duration_seconds", [("workflow", workflow)], histogram)
        }
        m.family("droprun_step_duration_seconds", .histogram, help: "How long the steps of this runner's finished runs took, by provider.")
        for (provider, histogram) in activity.stepDurations.sorted(by: { $0.key < $1.key }) {
            m.histogram("droprun_step_duration_seconds", [("provider", provider)], histogram)
        }
        m.family("droprun_step_retries_total", .counter, help: "Step attempts beyond the first in this runner's finished runs, by provider.")
        for (provider, count) in activity.retries.sorted(by: { $0.key < $1.key }) {
            m.sample("droprun_step_retries_total", [("provider", provider)], Double(count))
        }
        m.family("droprun_rejections_total", .counter, help: "Dropped files this runner rejected since it started, by reason.")
        for reason in RejectionReason.allCases.sorted(by: { $0.rawValue < $1.rawValue }) {
            m.sample("droprun_rejections_total", [("reason", reason.rawValue)], Double(activity.rejections[reason] ?? 0))
        }

        m.family("droprun_inbox_files", .gauge, help: "Files waiting in inbox/ (control messages included).")
        m.sample("droprun_inbox_files", [], Double(root.inboxDepth))
        m.family("droprun_inbox_oldest_age_seconds", .gauge, help: "Age of the oldest file waiting in inbox/ (0 when it is empty).")
        m.sample("droprun_inbox_oldest_age_seconds", [], age(root.oldestDropAt))
        m.family("droprun_claimed_files", .gauge, help: "Drops claimed by a runner (outbox/claimed/) and not started yet.")
        m.sample("droprun_claimed_files", [], Double(root.claimedDepth))
        m.family(
            "droprun_queue_oldest_age_seconds", .gauge, help: "Age of the oldest drop waiting to start, in inbox/ or claimed (0 when none waits).")
        m.sample("droprun_queue_oldest_age_seconds", [], age(root.oldestWaitingAt))
        m.family("droprun_approvals_waiting", .gauge, help: "Runs waiting for an approval.")
        m.sample("droprun_approvals_waiting", [], Double(root.waiting.count))
        m.family("droprun_approvals_oldest_age_seconds", .gauge, help: "Age of the oldest approval request not yet decided (0 when none waits).")
        m.sample("droprun_approvals_oldest_age_seconds", [], age(root.waiting.first?.approval.requestedAt))
        m.family("droprun_runs_running", .gauge, help: "Runs claimed and not finished, not waiting for an approval.")
        m.sample("droprun_runs_running", [], Double(root.running))

        // Every heartbeat of the root, this runner's included; a dead runner's stays (and ages) until it is taken over.
        var runners = root.runners
        if !runners.contains(where: { $0.folderName == runner }) {
            runners.append(RootSnapshot.Runner(folderName: runner, renewedAt: now, isLive: true, startedAt: activity.startedAt))
            runners.sort { $0.folderName < $1.folderName }
        }
        m.family(
            "droprun_runner_heartbeat_age_seconds", .gauge,
            help: "Time since each runner of the root last renewed its heartbeat, by runner (its heartbeat's name in outbox/runners/).")
        for entry in runners { m.sample("droprun_runner_heartbeat_age_seconds", [("runner", entry.folderName)], age(entry.renewedAt)) }
        m.family(
            "droprun_runner_last_progress_seconds", .gauge,
            help:
                "Time since each runner last claimed or finished a run (since it started, if it has not), by runner (its heartbeat's name in outbox/runners/)."
        )
        for entry in runners {
            // This runner knows its own progress first hand; others' come from their heartbeats (older ones do not say).
            guard let progress = entry.folderName == runner ? activity.lastProgressAt : entry.lastProgressAt else { continue }
            m.sample("droprun_runner_last_progress_seconds", [("runner", entry.folderName)], age(progress))
        }
        return m.text
    }
}
