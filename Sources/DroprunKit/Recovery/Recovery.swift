import Foundation

/// Takes over what dead runners left behind, and runs nobody holds.
///
/// Ownership moves by `rename(2)`, which exactly one of several runners wins:
/// a dead runner's claims move into this runner's claim folder, and a run
/// record moves from `outbox/running/` into it while it is taken over. A dead
/// runner's heartbeat is removed first, so if it was only paused it learns, at
/// its next write, that it lost its runs.
struct Recovery {
    let context: EngineContext

    private var fs: any FileSystem { context.fileSystem }
    private var layout: RootLayout { context.layout }
    private var locator: RunLocator { RunLocator(context: context) }

    /// Everything that can be taken up now; runs in `ignoring` (which this runner failed to load) are left alone.
    ///
    /// Records in `outbox/running/` are taken first, then dead runners'
    /// claims: a claim whose run already has a record (or a record being
    /// taken over) is then recognised by `Intake.admit` and dropped, never run twice.
    func scan(ignoring: Set<String> = []) throws -> [Work] {
        var work: [Work] = []
        let liveness = context.liveness
        let policy = TakeoverPolicy(context: context)
        let mine = layout.claimFolder(context.identity)
        try fs.makeDirectory(mine)
        var deadFolders: [String] = []
        var tookOver: [String: Int] = [:]  // dead runner: runs and claims taken from it, said in one line each
        // Runners whose heartbeat was already gone when first met here: they stopped cleanly (a crashed runner's heartbeat
        // stays until another runner buries it), so their runs were released, not left by a death.
        var stopped: Set<String> = []
        var met: Set<String> = []
        func meet(_ runner: String) {
            guard met.insert(runner).inserted else { return }
            if !liveness.hasHeartbeat(runner), !fs.exists(layout.checkpointFolder(runner)) { stopped.insert(runner) }
        }
        for folder in list(layout.claimed) where folder.name != context.identity.folderName && !folder.name.hasPrefix(".") {
            guard policy.isGone(folder.name) else { continue }
            meet(folder.name)
            liveness.bury(folder.name)
            deadFolders.append(folder.name)
            // Records the dead runner was taking over go back where every runner looks.
            let dead = Path.join(layout.claimed, folder.name)
            for entry in list(dead) {
                guard let runId = RootLayout.takeoverRunId(entry.name) else { continue }
                let source = Path.join(dead, entry.name)
                if locator.hasResult(runId) {
                    // Finished (by the dead runner, which died before it removed the record, or by another): the
                    // record goes once the run has its final event and is in the index.
                    writeMissingFinalEvent(runId, claimedBy: folder.name)
                    if writeMissingIndexLine(runId) { remove(source) }
                    continue
                }
                do {
                    try fs.link(source, to: layout.runningRecord(runId))
                    remove(source)
                } catch let error where error.isAlreadyExists {
                    remove(source)  // a newer live record is in place
                } catch let error where error.isNotFound {
                    // Gone: another runner scanning at the same moment put it back first.
                } catch {
                    // Removed now, the run's newest record would be lost: it stays, for the next scan.
                    report(error, "could not put back a record the dead runner \(folder.name) was taking over")
                }
            }
        }
        // Dead runners' checkpoint logs: their runs resume from their last lines, before their claims move.
        // A log not wholly recovered (unreadable, or a run that could not be taken over for now) stays, and so do
        // its runner's claims and records, for the next scan: moved now, they would run logged steps again.
        var logsRecovered: Set<String> = []
        let logs: [DirectoryEntry]?
        do {
            logs = try fs.list(layout.checkpoints)
        } catch {
            // Unknown: every dead runner's log counts as pending, and its claims and records wait for the next scan.
            if !error.isNotFound { report(error, "could not list the checkpoint logs") }
            logs = nil
        }
        for folder in logs ?? [] where folder.name != context.identity.folderName && !folder.name.hasPrefix(".") {
            guard deadFolders.contains(folder.name) || policy.isGone(folder.name) else { continue }
            if !deadFolders.contains(folder.name) { liveness.bury(folder.name) }
            let (taken, complete) = recoverLog(of: folder.name, ignoring: ignoring)
            work += taken
            tookOver[folder.name, default: 0] += taken.count
            if complete { logsRecovered.insert(folder.name) }
        }
        /// True when `runner`'s checkpoint log may still hold its runs' newest states.
        func logPending(_ runner: String) -> Bool {
            logs == nil || (!logsRecovered.contains(runner) && fs.exists(layout.checkpointFolder(runner)))
        }
        let running = try fs.list(layout.running)
        sweepTemporaries(running)
        for entry in running where entry.name.hasSuffix(".json") && !entry.name.hasPrefix(".") {
            let runId = String(entry.name.dropLast(5))
            guard !ignoring.contains(runId) else { continue }
            if locator.hasResult(runId) {
                // The result is written; its runner is removing the live record, or died before it could.
                repairFinalEvent(runId)
                continue
            }
            let held: HeldRecord
            do {
                guard let read = try locator.held(at: layout.runningRecord(runId)) else {
                    context.reportUnreadable(
                        UnreadableRecord(path: layout.runningRecord(runId), reason: .notARunRecord("$.status should be a run status")))
                    continue
                }
                held = read
            } catch {
                context.reportUnreadable(error)
                continue
            }
            guard policy.shouldTakeOver(held) else { continue }
            if let owner = held.owner, owner != context.identity.folderName {
                // A runner found dead only now: its checkpoint log may hold newer states; taken up at the next scan.
                if logPending(owner) { continue }
                meet(owner)
                liveness.bury(owner)
            }
            if let path = takeOver(runId, stillHolds: policy.shouldTakeOver) {
                work.append(.takeover(runId: runId, path: path, previousRunner: TakeoverPolicy.previousRunner(held)))
                if TakeoverPolicy.previousRunner(held) != nil, let owner = held.owner { tookOver[owner, default: 0] += 1 }
            }
        }
        for name in deadFolders where !logPending(name) {
            let dead = Path.join(layout.claimed, name)
            for entry in list(dead) where !RootLayout.isTakeoverName(entry.name) {
                // A temporary file the dead runner was writing (a record it was taking over): never a claim, since
                // the inbox's hidden names are never claimed.
                if Path.isTemporary(entry.name) {
                    remove(Path.join(dead, entry.name))
                    continue
                }
                let original = RootLayout.claimedFileName(entry.name)
                let target = Intake(context: context).freeClaimPath(for: original)
                do {
                    try fs.rename(Path.join(dead, entry.name), to: target)
                    work.append(.claimed(ClaimedFile(name: original, path: target, claimedAt: context.clock.now(), recoveredFrom: name)))
                    tookOver[name, default: 0] += 1
                } catch let error where error.isNotFound {
                    // Gone: another runner took the claim first.
                } catch {
                    report(error, "could not take over the claim \(entry.name) of the dead runner \(name)")
                }
            }
            do {
                try fs.removeDirectory(dead)
            } catch let error where error.isNotFound || error.code == ENOTEMPTY || error.code == EEXIST {
                // Gone (another runner removed it), or a claim is left in it for the next scan.
            } catch {
                report(error, "could not remove the claim folder of the dead runner \(name)")
            }
        }
        for (runner, count) in tookOver.sorted(by: { $0.key < $1.key }) where count > 0 {
            let runs = "\(count) run\(count == 1 ? "" : "s")"
            let words =
                stopped.contains(runner) ? "took over \(runs) released by \(runner), which stopped" : "took over \(runs) of the dead runner \(runner)"
            context.warnings.notice(.runnerTakeover, words, runner: runner, count: count)
        }
        return work
    }

    /// Takes over the unfinished runs in a dead runner's checkpoint log, each from its last line, then removes the log.
    ///
    /// A run's last line is never older than its live record while its runner
    /// held it (states are appended before they are published), so:
    /// - a live record the dead runner still owns (queued or running) is taken
    ///   over (a rename, which one runner wins) and rewritten with the line's
    ///   state; a live record anyone else holds, or one waiting for approval,
    ///   is not touched;
    /// - a run with no live record, whose claim (its kept request, checked by
    ///   inode) still stands in the dead runner's folder, is taken over by
    ///   moving that claim into this runner's folder (again a rename), then
    ///   writing the line's state as a record being taken over.
    /// Before the claim moves, the state is appended to this runner's own log
    /// under the claim's new name: if this runner dies before the record is
    /// written, the next one resumes from the same state, not from the start.
    /// Claims move only after this, so none of the runs in the log is admitted anew.
    ///
    /// `complete` is false when the log could not be read whole or a run in it
    /// could not be taken over for a reason that may pass (a full disk): the
    /// log is then kept, and the scan leaves the dead runner's claims and
    /// records alone until a later scan completes it.
    func recoverLog(of dead: String, ignoring: Set<String>) -> (work: [Work], complete: Bool) {
        let folder = layout.checkpointFolder(dead)
        let strict = context.configuration.durability == .strict
        let intake = Intake(context: context)
        let log = context.checkpointLog
        var work: [Work] = []
        var (entries, complete) = CheckpointLog.readAll(folder: folder, fileSystem: fs, damaged: context.reportUnreadable)
        for (runId, entry) in entries.sorted(by: { $0.key < $1.key }) {
            guard !ignoring.contains(runId), !locator.hasResult(runId) else { continue }
            let state = JSONWriter.prettyBytes(entry.record)
            let previous = entry.record["runner"]?.stringValue
            let deadClaim = entry.claim.map { Path.join(layout.claimed, dead, $0) }.flatMap { standsFor(runId, claim: $0) ? $0 : nil }
            if let live = readRecord(layout.runningRecord(runId)) {
                let holdsIt: (HeldRecord) -> Bool = { TakeoverPolicy.isHeld($0, by: dead) }
                guard HeldRecord(json: live).map(holdsIt) ?? false else { continue }
                guard let path = takeOver(runId, stillHolds: holdsIt) else {
                    // Not lost to another runner (the record is still the dead runner's): the move failed, so later.
                    if let again = readRecord(layout.runningRecord(runId)).flatMap(HeldRecord.init(json:)), holdsIt(again) { complete = false }
                    continue
                }
                do {
                    try fs.writeAtomically(path, state, sync: strict)
                } catch {
                    // Resumed from the older record, it would run logged steps again: put back, for the next scan.
                    report(error, "could not write run '\(runId)' from the checkpoint log of the dead runner \(dead)")
                    putBack(runId, from: path)
                    complete = false
                    continue
                }
                if let deadClaim { remove(deadClaim) }
                work.append(.takeover(runId: runId, path: path, previousRunner: previous))
                continue
            }
            guard let deadClaim, let name = entry.claim, !locator.hasLiveRecord(runId) else { continue }
            let claim = intake.freeClaimPath(for: name)
            // Strict: the line is flushed first, so the claim never reaches the disk in its new place without it.
            do {
                try log.append(runId: runId, prettyRecord: state, claim: Path.name(claim))
            } catch {
                report(error, "could not log run '\(runId)' of the dead runner \(dead) before taking it over")
                complete = false
                continue
            }
            guard !strict || context.groupCommit.flushBlocking() == 0 else {
                log.settled(runId, finished: true)
                complete = false
                continue
            }
            do {
                try fs.rename(deadClaim, to: claim)
            } catch {
                // Gone: another runner took it. Any other failure may pass: the log is kept for the next scan.
                if !error.isNotFound { complete = false }
                log.settled(runId, finished: true)
                continue
            }
            // Another runner may have taken the run over meanwhile: looked for in the order a run moves on.
            if locator.isRecorded(runId) {
                remove(claim)
                log.settled(runId, finished: true)
                continue
            }
            let target = layout.takeoverRecord(runId, inClaimFolder: context.identity.folderName)
            do {
                try fs.writeNew(target, state, sync: strict)
            } catch {
                // Not writable now: the claim goes back, for the next scan (this runner's own line names it, should it
                // die first). If even that fails, it is admitted again, which reruns the run from its start.
                report(error, "could not write run '\(runId)' from the checkpoint log of the dead runner \(dead)")
                log.settled(runId, finished: true)
                do {
                    try fs.rename(claim, to: deadClaim)
                    complete = false
                } catch {
                    report(error, "could not put back the claim of run '\(runId)'; it is admitted again")
                    work.append(
                        .claimed(
                            ClaimedFile(name: RootLayout.claimedFileName(name), path: claim, claimedAt: context.clock.now(), recoveredFrom: dead)))
                }
                continue
            }
            remove(claim)
            work.append(.takeover(runId: runId, path: target, previousRunner: previous))
        }
        if complete { CheckpointLog.remove(folder: folder, fileSystem: fs) }
        return (work, complete)
    }

    /// True when `claim` is the file run `runId` was accepted from (the same inode as its kept request).
    ///
    /// A log line names its run's claim by name, and the name may have been
    /// taken by a later drop once the run published its record.
    func standsFor(_ runId: String, claim: String) -> Bool {
        do {
            guard let claimInfo = try fs.info(claim), let kept = try fs.info(layout.request(runId)) else { return false }
            return claimInfo.inode == kept.inode
        } catch {
            // Not known now: the claim is left, and the log with it, for the next scan.
            report(error, "could not compare the claim of run '\(runId)' with its kept request")
            return false
        }
    }

    /// How long a hidden temporary file in `outbox/running/` may sit unchanged before it counts as left by a killed runner.
    ///
    /// Live writers keep one for microseconds (for the length of a group
    /// commit in strict durability), so ten minutes is far past any of them.
    static let staleTemporaryAge: TimeInterval = 600

    /// Removes temporary files that killed runners left in `outbox/running/`.
    ///
    /// Records and results are written there first and then published (a record
    /// by `replace`, a result by `link` into `outbox/results/`). A runner killed
    /// between the two steps leaves the temporary file, or, after a swap, the
    /// record's previous version under the temporary name.
    func sweepTemporaries(_ entries: [DirectoryEntry]) {
        let cutoff = context.clock.now().addingTimeInterval(-Self.staleTemporaryAge)
        for entry in entries where Path.isTemporary(entry.name) {
            let path = Path.join(layout.running, entry.name)
            let info: FileInfo?
            do {
                info = try fs.info(path)
            } catch {
                report(error, "could not look at a temporary file in outbox/running/")
                continue
            }
            guard let info, info.type == .regular, info.modified < cutoff else { continue }
            remove(path)
        }
    }

    /// The record at `path`; nil when there is none, or when it cannot be read, which the runner then reports.
    private func readRecord(_ path: String) -> JSONValue? {
        do {
            return try RecordReader.json(at: path, fileSystem: fs)
        } catch {
            context.reportUnreadable(error)
            return nil
        }
    }

    /// Removes a live record left beside its result by a dead runner, and writes the run's final audit event if that runner could not.
    ///
    /// A runner writes the result, then the final event, then removes the live
    /// record; killed between the first and the last, it may leave no final
    /// event.
    func repairFinalEvent(_ runId: String) {
        guard let live = readRecord(layout.runningRecord(runId)) else { return }
        let owner = HeldRecord.owner(of: live)
        if let owner, !TakeoverPolicy(context: context).isGone(owner) { return }
        if let owner { writeMissingFinalEvent(runId, claimedBy: owner) }
        // The record stands for the run until its index line is written (it stays for the next scan if it cannot be).
        guard writeMissingIndexLine(runId) else { return }
        remove(layout.runningRecord(runId))
    }

    /// Appends the index line of a finished run whose runner died before it could, unless a file of its day holds one.
    ///
    /// Asked where a dead runner left a live record, a record being taken
    /// over or a claim beside the run's result: the runner appends the line
    /// before it removes any of these, so the line may be missing only
    /// there. The line is appended to this runner's own index file; the
    /// day's files (every writer's) are searched first, so a line is
    /// written twice only by two recoverers at the same moment, which
    /// readers take as one.
    ///
    /// - Returns: false when the line is missing and could not be written
    ///   (reported): what stands for the run is then kept, for the next scan.
    func writeMissingIndexLine(_ runId: String) -> Bool {
        do {
            try addMissingIndexLine(runId)
            return true
        } catch {
            report(error, "could not add the finished run '\(runId)' to the history index")
            return false
        }
    }

    /// Appends the missing index line of a finished run (see `writeMissingIndexLine`), throwing when it cannot.
    ///
    /// A result that cannot be read is reported and has no line to write
    /// (`droprun reindex` names it too): nothing is thrown for it.
    func addMissingIndexLine(_ runId: String) throws(FileSystemError) {
        let record: RunRecord
        do {
            record = try RecordReader.record(at: layout.result(runId), fileSystem: fs)
        } catch {
            context.reportUnreadable(error)
            return
        }
        guard let finishedAt = record.finishedAt, record.status.isFinal,
            !IndexLookup.contains(runId: runId, day: IndexFiles.day(of: finishedAt), layout: layout, fileSystem: fs)
        else { return }
        let audit = AuditSegmentHint(layout: layout, fileSystem: fs).names(runner: record.runnerId, from: record.createdAt, to: finishedAt)
        guard let entry = IndexEntry(record: record, audit: audit) else { return }
        try context.index.append(entry)
    }

    /// Writes the final audit event of a finished run whose runner died before it could, unless that runner's chain has it.
    ///
    /// The runner that wrote the result is the one its `runnerId` names (else
    /// `claimedBy`, the dead runner whose record or claim was left). Nothing is
    /// written while that runner lives (it writes the event just after the
    /// result), and its own chain is searched (from its end) first, so an event
    /// is never written twice.
    ///
    /// An event that recovery wrote is in the chain of the runner that
    /// recovered the run, not in the writer's: a recoverer killed after the
    /// event but before it removed the record or claim that led it there
    /// leaves that record or claim for the next one. So every chain is
    /// searched too, for the lines recovery wrote (`writtenBy`), before one is written.
    func writeMissingFinalEvent(_ runId: String, claimedBy: String) {
        guard let resultJSON = readRecord(layout.result(runId)), let result = HeldRecord(json: resultJSON), result.status.isFinal else { return }
        let owner = result.owner ?? claimedBy
        guard TakeoverPolicy(context: context).isGone(owner) else { return }
        var code: JSONValue?
        if let error = resultJSON["error"], error != .null { code = error["code"] ?? .null }
        let event = AuditEvent.finalEventRepaired(result.status, previousRunner: resultJSON["runner"] ?? .string(owner), code: code)
        let search = AuditSearch(layout: layout, fileSystem: fs)
        // Lines that do not hold `"writtenBy":"recovery"` (canonical compact JSON) are skipped without being parsed.
        guard !search.contains(event.name, runId: runId, inChainsOf: owner),
            !search.contains(event.name, runId: runId, mentioning: #""writtenBy":"recovery""#, where: { $0["data"]?["writtenBy"] == "recovery" })
        else { return }
        do {
            try context.record(event, runId: runId)
        } catch {
            report(error, "could not write the missing final event of run '\(runId)'")
        }
    }

    /// Moves `outbox/running/<runId>.json` into this runner's claim folder; nil when another runner got there first,
    /// and nil, reported (for the next scan), when the move fails otherwise (see `takeOverOrFail`).
    func takeOver(_ runId: String, stillHolds: (HeldRecord) -> Bool) -> String? {
        do {
            return try takeOverOrFail(runId, stillHolds: stillHolds)
        } catch {
            report(error, "could not take over run '\(runId)' (move outbox/running/\(runId).json into its claim folder)")
            return nil
        }
    }

    /// Moves `outbox/running/<runId>.json` into this runner's claim folder; nil when another runner got there first.
    ///
    /// Only a record that is gone (ENOENT) was taken by another runner: any
    /// other error of the move (EACCES, EIO, ENOSPC, ...) is thrown, the record
    /// left where it was. The record is read again after the move: when it no
    /// longer meets `stillHolds` (another runner took it over and checkpointed
    /// in between), it is put back (linked, never over a newer one) and nil is returned.
    func takeOverOrFail(_ runId: String, stillHolds: (HeldRecord) -> Bool) throws(FileSystemError) -> String? {
        let target = layout.takeoverRecord(runId, inClaimFolder: context.identity.folderName)
        do {
            try fs.rename(layout.runningRecord(runId), to: target)
        } catch let error where error.isNotFound {
            return nil
        }
        guard let held = readRecord(target).flatMap(HeldRecord.init(json:)), stillHolds(held) else {
            putBack(runId, from: target)
            return nil
        }
        return target
    }

    /// Puts a record moved into a claim folder back in `outbox/running/`, by `link`, so never over a newer one.
    func putBack(_ runId: String, from path: String) {
        do {
            try fs.link(path, to: layout.runningRecord(runId))
            remove(path)
        } catch let error where error.isAlreadyExists {
            // A newer record is in place (another runner's): that one is the run's, and the moved one stays aside.
        } catch {
            report(error, "could not put the record of run '\(runId)' back in outbox/running/; it stays at \(layout.relative(path))")
        }
    }

    /// The entries of `folder`: none when it is gone (another runner removed it); none, reported, when it cannot be listed.
    private func list(_ folder: String) -> [DirectoryEntry] {
        do {
            return try fs.list(folder)
        } catch {
            if !error.isNotFound { report(error, "could not list \(layout.relative(folder))") }
            return []
        }
    }

    /// Removes `path`: gone already is what another runner's recovery leaves (it took the file first); any other failure is reported.
    private func remove(_ path: String) {
        do {
            try fs.remove(path)
        } catch let error where error.isNotFound {
        } catch {
            report(error, "could not remove \(layout.relative(path))")
        }
    }

    /// Says (once) that recovery met a disk error and goes on without what it was doing: the next scan tries again.
    private func report(_ error: FileSystemError, _ what: String) {
        context.warnings.warn("recovery \(what): \(error); it tries again at its next scan")
    }
}
