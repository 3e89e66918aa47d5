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
/// the runners' heartbeats, labelled `host` and `mode`, so a restart or a cron
/// pass makes no new series; several runners sharing both show the worst). Several runners on one root
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
///
/// When a reload moves `metricsFile` or sets it to null, the file this runner
/// wrote last is removed at the next write (only if it is still the one it
/// wrote: same device and inode), so no stale copy lingers in a textfile folder.
public final class MetricsFile: Sendable {
    private struct State {
        var settings: MetricsSettings
        var warned = false
        /// True once `run --once` said it leaves the file to a `watch` runner.
        var noticed = false
        /// The file this runner wrote last, as it was then.
        var written: WrittenFile?
        /// A file written before `metricsFile` moved or went off: removed at the next write.
        var stale: WrittenFile?
    }

    /// A file as written: its path and which file it was.
    private struct WrittenFile: Equatable {
        var path: String
        var device: UInt64
        var inode: UInt64
    }

    private let context: EngineContext
    private let state: Mutex<State>

    /// True the first time it is asked for `flag` (then set): each notice and warning of this file is said once.
    private func firstTime(_ flag: WritableKeyPath<State, Bool>) -> Bool {
        state.withLock { state in
            defer { state[keyPath: flag] = true }
            return !state[keyPath: flag]
        }
    }
    private let worker = WorkThread(name: "droprun-metrics")

    /// A writer for `context`'s runner, with the root's `metricsFile` and `metricsIntervalSeconds`.
    public init(context: EngineContext) {
        self.context = context
        state = Mutex(State(settings: context.configuration.metrics))
    }

    /// Takes new settings (a reloaded `droprun.json`): the next write goes to the new file, or to none, and
    /// removes the one this runner wrote before when the path changed.
    public func reconfigure(_ settings: MetricsSettings) {
        let root = context.layout.root
        state.withLock { state in
            state.settings = settings
            if let written = state.written, settings.file.map({ Self.resolve($0, root: root) }) != written.path {
                state.stale = written
                state.written = nil
            }
        }
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
        /// Left alone: a live `watch` runner holds the root and writes it (`run --once` only, said once as a notice).
        case leftToWatch
    }

    /// Writes the file now, on a thread of its own, and waits for it without holding a thread of the task pool.
    @discardableResult
    public func writeOffThePool() async -> Outcome {
        await worker.perform { self.write() }
    }

    /// Writes the file a last time, without this runner's own heartbeat gauges (it is stopping), off the task pool.
    ///
    /// `yieldingToWatch` (`run --once`): while a live `watch` runner holds a
    /// heartbeat on the root, the file is its own (its counters since it
    /// started) and is left alone, which a notice says.
    @discardableResult
    public func writeLastOffThePool(yieldingToWatch: Bool = false) async -> Outcome {
        await worker.perform { self.write(leaving: true, yieldingToWatch: yieldingToWatch) }
    }

    /// Reads the root and this runner's activity and replaces the file (blocking file work).
    ///
    /// `leaving`: the runner is stopping, so the file leaves out the heartbeat
    /// gauges of its own (its heartbeat goes next), not to show it alive.
    @discardableResult
    public func write(leaving: Bool = false, yieldingToWatch: Bool = false) -> Outcome {
        removeStale()
        guard let path else { return .off }
        let now = context.clock.now()
        var root = RootSnapshot.read(layout: context.layout, fileSystem: context.fileSystem, liveness: context.liveness, now: now)
        let me = context.identity.folderName
        if yieldingToWatch, let watcher = root.runners.first(where: { $0.isLive && $0.mode == "watch" && $0.folderName != me }) {
            if firstTime(\.noticed) {
                context.warnings.notice(
                    "metrics file \(context.layout.relative(path)) left to the watch runner \(watcher.folderName), which writes it "
                        + "(its counters run since it started; a pass would reset them)")
            }
            return .leftToWatch
        }
        if leaving { root.runners.removeAll { $0.folderName == me } }
        let text = Self.text(
            activity: context.activity.snapshot, root: root, runner: leaving ? nil : me, host: context.identity.host, now: now)
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
            if let info = try? fs.info(path) {
                state.withLock { $0.written = WrittenFile(path: path, device: info.device, inode: info.inode) }
            }
            return .written
        } catch {
            if firstTime(\.warned) {
                context.warnings.warn(
                    "cannot write the metrics file \(context.layout.relative(path)): \(error); runs go on without it "
                        + "(set metricsFile in droprun.json to a writable path, or to null to write none)")
            }
            return .failed
        }
    }

    /// Removes the file written before `metricsFile` moved or went off, if it is still the one written.
    private func removeStale() {
        guard
            let stale = state.withLock({ s -> WrittenFile? in
                defer { s.stale = nil }; return s.stale
            })
        else { return }
        let fs = context.fileSystem
        guard let info = try? fs.info(stale.path), info.inode == stale.inode, info.device == stale.device else { return }
        try? fs.remove(stale.path)
    }

    private func isUnderRoot(_ path: String) -> Bool {
        context.layout.relative(path) != path
    }

    /// The exposition text for an activity snapshot, a look at the root, and the runner writing it (its heartbeat's
    /// name; nil when it is stopping and its heartbeat is left out).
    ///
    /// `host`: the host of the runner writing (its own heartbeat, when not read yet, counts as a live `watch` runner's).
    public static func text(
        activity: RunnerActivity.Snapshot, root: RootSnapshot, runner: String?, host: String? = nil, now: Date, version: String = CLI.version
    ) -> String {
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
            "droprun_run_duration_seconds", .histogram, help: "How long this runner's finished runs took, from started to finished, by workflow.")
        for (workflow, histogram) in activity.runDurations.sorted(by: { $0.key < $1.key }) {
            m.histogram("droprun_run_duration_seconds", [("workflow", workflow)], histogram)
        }
        m.family("droprun_step_duration_seconds", .histogram, help: "How long the steps of this runner's finished runs took, by provider.")
        for (provider, histogram) in activity.stepDurations.sorted(by: { $0.key < $1.key }) {
            m.histogram("droprun_step_duration_seconds", [("provider", provider)], histogram)
        }
        m.family(
            "droprun_step_retries_total", .counter,
            help: "Step attempts beyond the first in this runner's finished runs (retries, and runs again after a crash or stop), by provider.")
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
        if let runner, !runners.contains(where: { $0.folderName == runner }) {
            var own = RootSnapshot.Runner(folderName: runner, renewedAt: now, isLive: true, mode: "watch", startedAt: activity.startedAt)
            own.host = host
            runners.append(own)
        }
        // By host and mode, not by heartbeat name (`host-pid`), which is new at every restart and every cron pass.
        struct Key: Hashable, Comparable {
            var host: String
            var mode: String
            static func < (a: Key, b: Key) -> Bool { (a.host, a.mode) < (b.host, b.mode) }
            var labels: [(String, String)] { [("host", host), ("mode", mode)] }
        }
        var live: [Key: Int] = [:]
        var heartbeatAge: [Key: Double] = [:]
        var progressAge: [Key: Double] = [:]
        for entry in runners {
            let key = Key(host: entry.host ?? RootSnapshot.Runner.host(ofFolderName: entry.folderName), mode: entry.mode ?? "unknown")
            live[key, default: 0] += entry.isLive ? 1 : 0
            heartbeatAge[key] = max(heartbeatAge[key] ?? 0, age(entry.renewedAt))
            // This runner knows its own progress first hand; others' come from their heartbeats (older ones do not say).
            if let progress = entry.folderName == runner ? activity.lastProgressAt : entry.lastProgressAt {
                progressAge[key] = max(progressAge[key] ?? 0, age(progress))
            }
        }
        m.family(
            "droprun_runners_live", .gauge,
            help: "Runners of the root whose lease holds, by host and mode (watch or once; 0 while only dead ones' heartbeats are left).")
        for key in live.keys.sorted() { m.sample("droprun_runners_live", key.labels, Double(live[key] ?? 0)) }
        m.family(
            "droprun_runner_heartbeat_age_seconds", .gauge,
            help: "Time since the runners of the root last renewed their heartbeats, by host and mode (the oldest among them).")
        for key in heartbeatAge.keys.sorted() { m.sample("droprun_runner_heartbeat_age_seconds", key.labels, heartbeatAge[key] ?? 0) }
        m.family(
            "droprun_runner_last_progress_seconds", .gauge,
            help:
                "Time since the runners last claimed or finished a run (since they started, if they have not), by host and mode (the longest among them)."
        )
        for key in progressAge.keys.sorted() { m.sample("droprun_runner_last_progress_seconds", key.labels, progressAge[key] ?? 0) }
        return m.text
    }
}
