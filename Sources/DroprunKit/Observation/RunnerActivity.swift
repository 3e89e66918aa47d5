import Foundation
import Synchronization

/// What this runner process did since it started: runs claimed and finished, durations, retries, rejections.
///
/// One per runner (`EngineContext.activity`), fed at the one place each thing
/// happens (`Intake` admitting or rejecting a file, `RunExecutor` writing a
/// result); read by the heartbeat (when the runner last made progress), the
/// metrics file and `watch`'s log. Counts start at zero when the process
/// starts, as Prometheus counters do.
public final class RunnerActivity: Sendable {
    /// A run's final status and its workflow: the key of the finished-runs counter.
    public struct Finished: Sendable, Hashable {
        public var status: RunStatus
        public var workflow: String
    }

    /// Everything counted so far.
    public struct Snapshot: Sendable, Equatable {
        /// When this runner started.
        public var startedAt: Date
        /// When it last claimed a run (admitted a dropped request), if it has.
        public var lastClaimedAt: Date?
        /// When it last finished a run, if it has.
        public var lastFinishedAt: Date?
        /// Runs admitted.
        public var claimed = 0
        /// Runs finished, by status and workflow.
        public var finished: [Finished: Int] = [:]
        /// Run durations (started to finished, `RunRecord.durationMs`), by workflow.
        public var runDurations: [String: DurationHistogram] = [:]
        /// Step durations (first attempt's start to end), by provider.
        public var stepDurations: [String: DurationHistogram] = [:]
        /// Attempts beyond the first (retries, and runs again after a crash or stop), by provider.
        public var retries: [String: Int] = [:]
        /// Files rejected, by reason.
        public var rejections: [RejectionReason: Int] = [:]

        /// When the runner last did something (claimed or finished a run), else when it started.
        public var lastProgressAt: Date { [lastClaimedAt, lastFinishedAt].compactMap { $0 }.max() ?? startedAt }
    }

    private let state: Mutex<Snapshot>

    public init(startedAt: Date = Date()) { state = Mutex(Snapshot(startedAt: startedAt)) }

    /// A run was admitted.
    public func claimed(at now: Date) {
        state.withLock {
            $0.claimed += 1
            $0.lastClaimedAt = now
        }
    }

    /// A run reached a final status (its result is written).
    public func finished(_ record: RunRecord, at now: Date) {
        state.withLock { s in
            s.lastFinishedAt = now
            s.finished[Finished(status: record.status, workflow: record.workflowName), default: 0] += 1
            if let ms = record.durationMs { s.runDurations[record.workflowName, default: DurationHistogram()].observe(milliseconds: ms) }
            for step in record.steps {
                if let start = step.startedAt, let end = step.finishedAt {
                    s.stepDurations[step.provider, default: DurationHistogram()].observe(milliseconds: end.milliseconds(since: start))
                }
                if step.attempts > 1 { s.retries[step.provider, default: 0] += step.attempts - 1 }
            }
        }
    }

    /// A dropped file was rejected.
    public func rejected(_ reason: RejectionReason, at now: Date) {
        state.withLock { $0.rejections[reason, default: 0] += 1 }
    }

    /// Everything counted so far.
    public var snapshot: Snapshot { state.withLock { $0 } }
}
