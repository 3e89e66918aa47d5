import Foundation

/// What one `gc` pass removes: the cuts (anything older goes), where to archive, and how it works.
public struct GCOptions: Sendable, Equatable {
    /// Finished runs whose `finishedAt` is before this go, with their applied control files; nil: runs are kept.
    public var runsBefore: Date?
    /// Rejected files (and their `.error.json`) rejected before this go; nil: kept.
    public var rejectedBefore: Date?
    /// Audit segments whose last event is before this go; nil: kept.
    public var auditBefore: Date?
    /// How old a run must be, as the operator said it (for messages: "older than 30d").
    public var runsAge: TimeInterval?
    /// `--archive DIR`: moved under `DIR/<yyyy-mm-dd of finishedAt>/<runId>/` instead of removed.
    public var archive: String?
    /// `--dry-run`: says what would go and removes nothing.
    public var dryRun = false
    /// Runs purged per slice (a `watch` pass yields between slices).
    public var sliceSize = 100
    /// Threads a slice's per-run renames and unlinks are shared among (one while a runner is busy): a large root's
    /// folders are cold, and the disk serves several lookups at once.
    public var threads = 8
    /// Runs per slice while a runner holds claims (at most `sliceSize`): on one thread and a cold disk a slice of a
    /// thousand runs takes seconds, longer than any pause; short slices keep gc's share of the disk to what the pauses
    /// leave it.
    public var busySliceSize = 200
    /// After a slice in which a runner was busy, `gc` sleeps this many times as long as the slice took (at most
    /// `busyPauseLimit`), so a runner beside it keeps most of the disk: at 2, gc works a third of the time.
    public var busyPause = 2.0
    /// The longest pause after a busy slice, in seconds.
    public var busyPauseLimit = 1.0

    public init(
        runsBefore: Date? = nil, rejectedBefore: Date? = nil, auditBefore: Date? = nil, runsAge: TimeInterval? = nil, archive: String? = nil,
        dryRun: Bool = false
    ) {
        self.runsBefore = runsBefore
        self.rejectedBefore = rejectedBefore
        self.auditBefore = auditBefore
        self.runsAge = runsAge
        self.archive = archive
        self.dryRun = dryRun
    }

    /// How many runs the next slice takes: `sliceSize`, or `busySliceSize` (not more) while a runner is busy.
    public func sliceSize(busy: Bool) -> Int { max(1, busy ? min(sliceSize, busySliceSize) : sliceSize) }

    /// How long `gc` pauses after a slice that took `seconds`: nothing when no runner was busy, else `busyPause`
    /// times as long, at most `busyPauseLimit`.
    public func pause(afterSliceOf seconds: Double, busy: Bool) -> Double {
        guard busy, seconds > 0, busyPause > 0 else { return 0 }
        return min(busyPauseLimit, seconds * busyPause)
    }

    /// The cuts `retention` sets at `now`; nil when it removes nothing (`dedupeDays` alone only compacts the purged ids,
    /// which a pass with no cut still does).
    public static func retention(_ settings: RetentionSettings, now: Date) -> GCOptions? {
        guard settings.isEnabled else { return nil }
        func cut(_ days: Double?) -> Date? { days.map { now.addingTimeInterval(-$0 * RetentionSettings.day) } }
        return GCOptions(
            runsBefore: cut(settings.runsDays), rejectedBefore: cut(settings.rejectedDays), auditBefore: cut(settings.auditDays),
            runsAge: settings.runsDays.map { $0 * RetentionSettings.day })
    }

    /// `--older-than`: one age for runs and rejected files; audit segments by `retention.auditDays`.
    public static func olderThan(_ seconds: TimeInterval, auditDays: Double?, now: Date) -> GCOptions {
        GCOptions(
            runsBefore: now.addingTimeInterval(-seconds), rejectedBefore: now.addingTimeInterval(-seconds),
            auditBefore: auditDays.map { now.addingTimeInterval(-$0 * RetentionSettings.day) }, runsAge: seconds)
    }

    /// An age in words an operator types: `30d`, `36h`, `15m`, `90s`.
    public static func ageText(_ seconds: TimeInterval) -> String {
        for (unit, size) in [("d", 86_400.0), ("h", 3_600), ("m", 60)] where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
            return "\(Int(seconds / size))\(unit)"
        }
        if seconds >= 86_400 { return String(format: "%.1fd", seconds / 86_400) }
        return "\(Int(seconds))s"
    }
}
