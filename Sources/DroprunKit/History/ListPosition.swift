import Foundation

/// A row's place in `list`'s order: newest first by time, then by run id, then by a name that tells apart rows of one run id.
///
/// A run's time is its `createdAt`; a drop with no record yet counts from
/// when it was dropped and a rejection from its `rejectedAt` (see
/// `ListCommand`). The tiebreak is empty for a run and the rejected file's
/// name for a rejection (a refused duplicate has the run id of the run it
/// repeats), so every row has one place of its own and `--after` pages
/// through rows without showing one twice or leaving one out.
public struct ListPosition: Sendable, Equatable, CustomStringConvertible {
    /// The row's time.
    public var time: Date
    /// The row's run id (`-` for a refused control message, which has none).
    public var runId: String
    /// Empty for a run; the file's name under `outbox/rejected/` for a rejection.
    public var tiebreak: String

    public init(time: Date, runId: String, tiebreak: String = "") {
        self.time = time
        self.runId = runId
        self.tiebreak = tiebreak
    }

    /// True when a row here is listed before a row at `other`.
    public func precedes(_ other: ListPosition) -> Bool {
        if time != other.time { return time > other.time }
        if runId != other.runId { return runId < other.runId }
        return tiebreak < other.tiebreak
    }

    public var description: String { "\(Timestamp.format(time)) \(runId)" + (tiebreak.isEmpty ? "" : " \(tiebreak)") }
}

extension IndexEntry {
    /// The run's place in `list`'s order.
    public var position: ListPosition { ListPosition(time: createdAt, runId: runId) }
}
