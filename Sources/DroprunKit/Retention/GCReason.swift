/// Why `gc` skipped a run, or could not remove something: a code for scripts (`gc --json`'s `code`) and the words
/// (`description`, the `reason`) an operator reads.
public enum GCReason: Sendable, Equatable, CustomStringConvertible {
    // Skipped: left whole, for the next gc.

    /// A runner holds the run.
    case held(RunHold)
    /// Its result cannot be read (not JSON, no `finishedAt`, another run's record): what it holds is unknown.
    case unreadableRecord(String)
    /// The result is another run's than the one selected (an index line of an earlier run of the id, which ran again
    /// after a purge): the result's `finishedAt` ("not yet": none), and the selected one's, as timestamps.
    case anotherRun(finishedAt: String, selected: String)
    /// An earlier run's leftover in `outbox/purging/` whose id a newer run with a result has.
    case newerRunHasResult(runId: String)
    /// An earlier run's leftover whose id a newer run a runner holds now has.
    case newerRunHeld(runId: String, RunHold)
    /// An earlier run's leftover whose id's kept request is another request (a newer run's).
    case newerRequest(runId: String, sha256: String, earlier: String)

    // Errors: something could not be done; said, and tried again by the next gc.

    /// The commit rename (or the purging folder) failed: the run is left whole.
    case cannotBegin(FileSystemError)
    /// A file or folder of a committed run could not be removed.
    case cannotRemove(FileSystemError)
    /// A file or folder of a committed run could not be moved into its purging folder (`--archive`).
    case cannotMoveIn(FileSystemError, runId: String)
    /// A purging folder could not be removed or archived.
    case cannotDispose(FileSystemError, archiving: Bool)
    /// The purged-ids lines could not be appended.
    case cannotRecordPurgedIDs(FileSystemError)
    /// The run's `run.purged` event could not be written.
    case cannotWriteEvent(FileSystemError, runId: String)
    /// The audit log could not be flushed.
    case cannotFlushAudit(FileSystemError)
    /// A committed run could not be marked logged.
    case cannotMarkLogged(FileSystemError)
    /// A folder could not be flushed (strict durability).
    case cannotFlushFolder(FileSystemError)
    /// A leftover's result in `outbox/purging/` cannot be read.
    case unreadableLeftover
    /// The folder of a purge killed before its commit point could not be removed.
    case cannotRemoveUnfinished(FileSystemError)
    /// The line or event of a leftover could not be written.
    case cannotFinishLeftover(FileSystemError)
    /// A rejected, control or index file could not be removed or archived.
    case cannotSweep(FileSystemError, archiving: Bool)
    /// The purged ids past `retention.dedupeDays` could not be dropped.
    case cannotCompact(FileSystemError)
    /// Old audit segments could not be removed.
    case cannotPruneAudit(FileSystemError)

    /// A short name for scripts.
    public var code: String {
        switch self {
        case .held(let hold): "held_" + hold.code
        case .unreadableRecord: "unreadable_record"
        case .anotherRun: "another_run_result"
        case .newerRunHasResult: "newer_run_result"
        case .newerRunHeld: "newer_run_held"
        case .newerRequest: "newer_run_request"
        case .cannotBegin: "begin_failed"
        case .cannotRemove: "remove_failed"
        case .cannotMoveIn: "move_failed"
        case .cannotDispose(_, let archiving): archiving ? "archive_failed" : "remove_failed"
        case .cannotRecordPurgedIDs: "purged_ids_failed"
        case .cannotWriteEvent: "event_failed"
        case .cannotFlushAudit: "audit_flush_failed"
        case .cannotMarkLogged: "mark_logged_failed"
        case .cannotFlushFolder: "flush_failed"
        case .unreadableLeftover: "unreadable_leftover"
        case .cannotRemoveUnfinished: "unfinished_remove_failed"
        case .cannotFinishLeftover: "leftover_failed"
        case .cannotSweep(_, let archiving): archiving ? "archive_failed" : "remove_failed"
        case .cannotCompact: "dedupe_failed"
        case .cannotPruneAudit: "audit_prune_failed"
        }
    }

    public var description: String {
        switch self {
        case .held(let hold): hold.description
        case .unreadableRecord(let why): "the record cannot be read: \(why); not removed"
        case .anotherRun(let finishedAt, let selected):
            "its result is a later run of the id (finished \(finishedAt)), not the one an index line names (finished \(selected)); "
                + "not removed now: it goes when it is past the cut itself"
        case .newerRunHasResult(let runId):
            Self.leftover(runId)
                + ": a newer run with its id has a result (outbox/results/\(runId).json); remove outbox/purging/\(runId)~* or the folder by hand"
        case .newerRunHeld(let runId, let hold): Self.leftover(runId) + ": a newer run with its id is held now: \(hold)"
        case .newerRequest(let runId, let sha256, let earlier):
            Self.leftover(runId)
                + ": outbox/requests/\(runId).json is another request (its sha256 is \(sha256), the earlier run's \(earlier)), "
                + "a newer run with its id; the next gc looks again"
        case .cannotBegin(let error): "cannot begin to remove it: \(error); it is left whole"
        case .cannotRemove(let error): "cannot remove it: \(error); the next gc tries again"
        case .cannotMoveIn(let error, let runId): "cannot move it into outbox/purging/\(runId)/: \(error); the next gc tries again"
        case .cannotDispose(let error, let archiving): "cannot \(archiving ? "archive" : "remove") it: \(error); the next gc tries again"
        case .cannotRecordPurgedIDs(let error): "cannot record the purged ids: \(error); the next gc finishes the runs left in outbox/purging/"
        case .cannotWriteEvent(let error, let runId):
            "cannot write its run.purged event: \(error); the next gc finishes it (outbox/purging/\(runId)/)"
        case .cannotFlushAudit(let error): "cannot flush the audit log: \(error); the next gc finishes the runs left in outbox/purging/"
        case .cannotMarkLogged(let error): "cannot mark it logged: \(error); the next gc finishes it (outbox/purging/)"
        case .cannotFlushFolder(let error): "cannot flush the folder: \(error); the runs of its slice are left in outbox/purging/ for the next gc"
        case .unreadableLeftover: "cannot read the result of a run gc began to remove; put it back in outbox/results/ or remove it"
        case .cannotRemoveUnfinished(let error): "cannot remove an unfinished purge's folder: \(error)"
        case .cannotFinishLeftover(let error): "cannot finish the purge an earlier gc began: \(error); the next gc tries again (outbox/purging/)"
        case .cannotSweep(let error, let archiving): "cannot \(archiving ? "archive" : "remove") it: \(error)"
        case .cannotCompact(let error): "cannot drop the ids past retention.dedupeDays: \(error)"
        case .cannotPruneAudit(let error): "cannot remove old audit segments: \(error)"
        }
    }

    private static func leftover(_ runId: String) -> String {
        "gc began to remove an earlier run '\(runId)' (outbox/purging/) and leaves it there"
    }
}
