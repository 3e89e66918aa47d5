/// The `retention` block of `droprun.json`: how long finished runs, rejected files, purged ids and audit segments are kept.
///
/// Every member is optional; nil keeps forever. Days may be fractional (`0.5` is twelve hours).
public struct RetentionSettings: Sendable, Equatable {
    /// Finished runs (succeeded, failed, cancelled) are removed once their `finishedAt` is older than this.
    public var runsDays: Double?
    /// Rejected files (with their `.error.json`) are removed once older than this.
    public var rejectedDays: Double?
    /// A purged run's id stays refused as `duplicate` for this long after the run finished; nil: forever.
    public var dedupeDays: Double?
    /// Whole audit segments whose last event is older than this are removed; nil: kept.
    public var auditDays: Double?

    public init(runsDays: Double? = nil, rejectedDays: Double? = nil, dedupeDays: Double? = nil, auditDays: Double? = nil) {
        self.runsDays = runsDays
        self.rejectedDays = rejectedDays
        self.dedupeDays = dedupeDays
        self.auditDays = auditDays
    }

    /// True when anything is to be removed on its own (`watch` and `run --once` then collect).
    public var isEnabled: Bool { runsDays != nil || rejectedDays != nil || auditDays != nil || dedupeDays != nil }

    /// The range of every key, in words (a minute is 0.000694 days).
    public static let rangeText = "from one minute (0.000694 days) to 36500 days"

    /// Seconds in a day.
    public static let day: Double = 86_400
}
