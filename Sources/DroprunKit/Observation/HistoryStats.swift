import Foundation

/// What a root did over a window of time, and what it holds now: `droprun stats`, and anything that reports on a root.
///
/// The past comes from the history index (`IndexReader.forEachFinished`),
/// never from the records: runs that finished in the window, counted by
/// status, workflow and `tenant` label, with their durations and their
/// steps' (per provider, from the steps each line keeps). Rejected drops are
/// not runs and have no line: they are counted from `outbox/rejected/*.error.json`
/// modified in the window. The present (inbox, approvals waiting) comes from
/// a `RootSnapshot`. `gather` reads a root; `Tally` adds up entries from any
/// source (a report over its own selection).
public struct HistoryStats: Sendable, Equatable {
    /// Where the finished runs were read from.
    public enum Source: String, Sendable, Equatable {
        /// The history index (`outbox/index/`).
        case index
        /// `outbox/results/`, record by record: the index is not built (slow on a large root; `droprun reindex`).
        case results
    }

    /// Runs by final status.
    public struct StatusCounts: Sendable, Equatable {
        public var succeeded = 0
        public var failed = 0
        public var cancelled = 0

        public init(succeeded: Int = 0, failed: Int = 0, cancelled: Int = 0) {
            self.succeeded = succeeded
            self.failed = failed
            self.cancelled = cancelled
        }

        /// Every run counted.
        public var total: Int { succeeded + failed + cancelled }

        /// Counts one run.
        public mutating func add(_ status: RunStatus) {
            switch status {
            case .succeeded: succeeded += 1
            case .failed: failed += 1
            case .cancelled: cancelled += 1
            case .queued, .running, .waitingApproval: break
            }
        }
    }

    /// One workflow's runs.
    public struct Workflow: Sendable, Equatable {
        public var runs = StatusCounts()
        /// Run durations (start to finish, as the result's `durationMs`); nil when no run says one.
        public var durationMs: Percentiles?
    }

    /// One provider's steps, in the runs of the window that keep their steps.
    public struct Provider: Sendable, Equatable {
        /// Steps that ran (at least one attempt).
        public var steps = 0
        /// Steps that failed for good.
        public var failed = 0
        /// Attempts beyond the first: retries, and runs again after a crash or stop (a step record counts attempts only).
        public var retries = 0
        /// Step durations (first attempt's start to the end); nil when none ran.
        public var durationMs: Percentiles?
    }

    /// Runs waiting at an approval step, now.
    public struct Approvals: Sendable, Equatable {
        public var waiting = 0
        /// How long the one waiting longest has waited.
        public var oldestAgeSeconds: Double?
        /// Those past their expiry time, not yet acted on (the runner fails them at its next look).
        public var overdue = 0
    }

    /// The inbox, now.
    public struct Inbox: Sendable, Equatable {
        /// Files waiting (control messages included).
        public var depth = 0
        /// How long the oldest has waited (from its modification time).
        public var oldestAgeSeconds: Double?
    }

    /// Runs finished per minute over the last hour of the window (the whole window when shorter).
    public struct Minutes: Sendable, Equatable {
        /// The start of the first minute.
        public var from: Date
        /// Runs that finished in each minute, oldest first.
        public var runs: [Int]
    }

    /// What could not be read: left out of the counts.
    public struct Unreadable: Sendable, Equatable {
        /// Index lines (torn, edited).
        public var indexLines = 0
        /// Index files (paths relative to the root when `gather` read them).
        public var indexFiles: [IndexReader.UnreadableFile] = []
        /// Results (only when they were read: `source` is `results`).
        public var results = 0
    }

    /// The window: runs that finished at or after `since` and before `until`.
    public var since: Date
    public var until: Date
    /// When the present was looked at.
    public var takenAt: Date
    public var source: Source
    /// Every run of the window, by status.
    public var runs = StatusCounts()
    /// By workflow name.
    public var workflows: [String: Workflow] = [:]
    /// By the value of the `tenant` label.
    public var tenants: [String: StatusCounts] = [:]
    /// Runs without a `tenant` label.
    public var withoutTenant = StatusCounts()
    /// By provider.
    public var providers: [String: Provider] = [:]
    /// Runs whose index line keeps no steps (written by an older droprun; `droprun reindex` writes them again): not in `providers`.
    public var runsWithoutSteps = 0
    /// Rejected drops by reason (the word of their error file).
    public var rejections: [String: Int] = [:]
    public var approvals = Approvals()
    public var inbox = Inbox()
    /// Drops a runner claimed (`outbox/claimed/<runner>/`) and has not started yet, now: a backlog the inbox no longer shows.
    public var claimed = Inbox()
    public var lastHour: Minutes
    public var unreadable = Unreadable()

    public init(since: Date, until: Date, takenAt: Date, source: Source) {
        self.since = since
        self.until = until
        self.takenAt = takenAt
        self.source = source
        lastHour = Self.minutes(since: since, until: until)
    }

    /// Runs finished per minute over the whole window.
    public var runsPerMinute: Double {
        let minutes = until.timeIntervalSince(since) / 60
        return minutes > 0 ? Double(runs.total) / minutes : 0
    }

    /// Rejected drops in the window.
    public var rejected: Int { rejections.values.reduce(0, +) }

    /// The empty minutes of the last hour of a window (the whole window when shorter, whole minutes back from `until`).
    static func minutes(since: Date, until: Date) -> Minutes {
        let count = min(60, max(0, Int((until.timeIntervalSince(since) / 60).rounded(.up))))
        return Minutes(from: until.addingTimeInterval(-60 * Double(count)), runs: [Int](repeating: 0, count: count))
    }

    /// The present: the inbox, the drops claimed and not started, and the approvals waiting, as `snapshot` saw them.
    public mutating func look(at snapshot: RootSnapshot) {
        takenAt = snapshot.takenAt
        // A time written by a clock ahead of this one is no age at all.
        func age(_ date: Date) -> Double { max(0, snapshot.takenAt.timeIntervalSince(date)) }
        inbox = Inbox(depth: snapshot.inboxDepth, oldestAgeSeconds: snapshot.oldestDropAt.map(age))
        claimed = Inbox(depth: snapshot.claimedDepth, oldestAgeSeconds: snapshot.oldestClaimedAt.map(age))
        approvals = Approvals(
            waiting: snapshot.waiting.count, oldestAgeSeconds: snapshot.waiting.map(\.approval.requestedAt).min().map(age),
            overdue: snapshot.waiting.filter { $0.approval.hasExpired(at: snapshot.takenAt) }.count)
    }
}
