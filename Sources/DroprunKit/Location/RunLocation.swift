import Foundation

/// Where a run is in its life, and who holds it, as `RunLocator` finds it.
///
/// The cases follow the run's life backwards, the order the locator looks in:
/// a run moves from the inbox into a runner's claim folder, is accepted (its
/// request kept), gets a live record (which a runner may move into its claim
/// folder while taking it over, and whose newest state may be a line of its
/// runner's checkpoint log), then a result; or it never becomes a run and is
/// rejected. Of two drops not yet admitted, the one in the inbox is named
/// before a claim.
enum RunLocation: Sendable {
    /// A final record in `outbox/results/`.
    case result(RunRecord, path: String)
    /// A live record in `outbox/running/`: queued, running or waiting; `holder` is the runner's folder name (nil: released, nobody holds it).
    case live(RunRecord, path: String, holder: String?)
    /// A record in a runner's claim folder (`<runId>.running.json~takeover`) while that runner takes the run over.
    case beingTakenOver(RunRecord, path: String, by: String)
    /// A state in a runner's checkpoint log (live or dead) for a run that has no record in `outbox/running/`.
    case checkpointed(HeldRecord, runner: String)
    /// A record file where one of the above should be that cannot be read: why, in words.
    case unreadable(path: String, reason: String)
    /// Accepted (`outbox/requests/<runId>.json` kept) with no record yet.
    case accepted(path: String)
    /// A drop waiting in the inbox under the run id's name.
    case inbox(path: String)
    /// A file in a runner's claim folder (`x.json`, `x.json~2`) that carries the run id by its name, not yet admitted.
    case claimed(path: String, by: String)
    /// A drop that never became a run: the newest rejection filed under its name or carrying its id.
    case rejected(RejectedDrop)
    /// Being removed by `gc`: its result moved into `outbox/purging/<runId>/` (the purge's commit point); `finishedAt` from its manifest.
    case purging(runId: String, folder: String, finishedAt: Date?)
    /// Removed by `gc`: only its line in `outbox/purged/purged.jsonl` is left, which keeps its id refused.
    case purged(PurgeRecord)
    /// Nowhere droprun looks.
    case unknown
}
