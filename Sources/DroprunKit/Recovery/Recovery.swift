import Foundation

/// Work a runner can take up: a claimed file, or a run it took over.
enum Work: Sendable {
    /// A file in this runner's claim folder, not yet admitted.
    case claimed(ClaimedFile)
    /// A run accepted from a claimed file, ready to start.
    case admitted(RunRecord, RunRequest, claimPath: String, file: String)
    /// A run record this runner moved into its claim folder to resume it (`previousRunner` nil: it was released).
    case takeover(runId: String, path: String, previousRunner: String?)
}

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

    /// Everything that can be taken up now; runs in `ignoring` (which this runner failed to load) are left alone.
    ///
    /// Records in `outbox/running/` are taken first, then dead runners'
    /// claims: a claim whose run already has a record (or a record being
    /// taken over) is then recognised by `Intake.admit` and dropped, never run twice.
    func scan(ignoring: Set<String> = []) throws -> [Work] {
        var work: [Work] = []
        let liveness = context.liveness
        let mine = layout.claimFolder(context.identity)
        try fs.makeDirectory(mine)
        var deadFolders: [String] = []
        for folder in (try? fs.list(layout.claimed)) ?? [] where folder.name != context.identity.folderName && !folder.name.hasPrefix(".") {
            guard liveness.isDead(folder.name) else { continue }
            liveness.bury(folder.name)
            deadFolders.append(folder.name)
            // Records the dead runner was taking over go back where every runner looks.
            let dead = Path.join(layout.claimed, folder.name)
            for entry in (try? fs.list(dead)) ?? [] where entry.name.hasSuffix(Self.takeoverSuffix) {
                let runId = String(entry.name.dropLast(Self.takeoverSuffix.count))
                let source = Path.join(dead, entry.name)
                if fs.exists(layout.result(runId)) {
                    try? fs.remove(source)
                } else if (try? fs.link(source, to: layout.runningRecord(runId))) != nil {
                    try? fs.remove(source)
                } else {
                    try? fs.remove(source)  // a newer live record is in place
                }
            }
        }
        // Dead runners' checkpoint logs: their runs resume from their last lines, before their claims move.
        // A log not wholly recovered (unreadable, or a run that could not be taken over for now) stays, and so do
        // its runner's claims and records, for the next scan: moved now, they would run logged steps again.
        var logsRecovered: Set<String> = []
        let logs = try? fs.list(layout.checkpoints)
        for folder in logs ?? [] where folder.name != context.identity.folderName && !folder.name.hasPrefix(".") {
            guard deadFolders.contains(folder.name) || liveness.isDead(folder.name) else { continue }
            if !deadFolders.contains(folder.name) { liveness.bury(folder.name) }
            let (taken, complete) = recoverLog(of: folder.name, ignoring: ignoring)
            work += taken
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
            if fs.exists(layout.result(runId)) {
                // The result is written; its runner is removing the live record, or died before it could.
                repairFinalEvent(runId)
                continue
            }
            guard let json = readRecord(layout.runningRecord(runId)) else { continue }
            guard json["status"]?.stringValue.flatMap(RunStatus.init(rawValue:)) != nil else {
                context.reportUnreadable(UnreadableRecord(path: layout.runningRecord(runId), reason: .notARunRecord("$.status should be a run status")))
                continue
            }
            guard shouldTakeOver(json) else { continue }
            if let owner = Self.ownerFolder(json), owner != context.identity.folderName {
                // A runner found dead only now: its checkpoint log may hold newer states; taken up at the next scan.
                if logPending(owner) { continue }
                liveness.bury(owner)
            }
            if let path = takeOver(runId, stillHolds: shouldTakeOver) {
                let status = json["status"]?.stringValue
                work.append(.takeover(runId: runId, path: path, previousRunner: status == RunStatus.waitingApproval.rawValue ? nil : json["runner"]?.stringValue))
            }
        }
        for name in deadFolders where !logPending(name) {
            let dead = Path.join(layout.claimed, name)
            for entry in (try? fs.list(dead)) ?? [] where !entry.name.hasSuffix(Self.takeoverSuffix) {
                // A temporary file the dead runner was writing (a record it was taking over): never a claim, since
                // the inbox's hidden names are never claimed.
                if Path.isTemporary(entry.name) {
                    try? fs.remove(Path.join(dead, entry.name))
                    continue
                }
                let original = Self.originalName(entry.name)
                let target = Intake(context: context).freeClaimPath(for: original)
                if (try? fs.rename(Path.join(dead, entry.name), to: target)) != nil {
                    work.append(.claimed(ClaimedFile(name: original, path: target, claimedAt: context.clock.now(), recoveredFrom: name)))
                }
            }
            try? fs.removeDirectory(dead)
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
            guard !ignoring.contains(runId), !fs.exists(layout.result(runId)) else { continue }
            let state = JSONWriter.prettyBytes(entry.record)
            let previous = entry.record["runner"]?.stringValue
            let deadClaim = entry.claim.map { Path.join(layout.claimed, dead, $0) }.flatMap { standsFor(runId, claim: $0) ? $0 : nil }
            if let live = readRecord(layout.runningRecord(runId)) {
                let holdsIt: (JSONValue) -> Bool = { json in
                    Self.ownerFolder(json) == dead && [RunStatus.queued.rawValue, RunStatus.running.rawValue].contains(json["status"]?.stringValue ?? "")
                }
                guard holdsIt(live) else { continue }
                guard let path = takeOver(runId, stillHolds: holdsIt) else {
                    // Not lost to another runner (the record is still the dead runner's): the move failed, so later.
                    if let again = readRecord(layout.runningRecord(runId)), holdsIt(again) { complete = false }
                    continue
                }
                guard (try? fs.writeAtomically(path, state, sync: strict)) != nil else {
                    // Resumed from the older record, it would run logged steps again: put back, for the next scan.
                    putBack(runId, from: path)
                    complete = false
                    continue
                }
                if let deadClaim { try? fs.remove(deadClaim) }
                work.append(.takeover(runId: runId, path: path, previousRunner: previous))
                continue
            }
            guard let deadClaim, let name = entry.claim, !fs.exists(layout.runningRecord(runId)) else { continue }
            let claim = intake.freeClaimPath(for: name)
            // Strict: the line is flushed first, so the claim never reaches the disk in its new place without it.
            guard (try? log.append(runId: runId, prettyRecord: state, claim: Path.name(claim))) != nil else {
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
            if intake.isBeingTakenOver(runId) || fs.exists(layout.runningRecord(runId)) || fs.exists(layout.result(runId)) {
                try? fs.remove(claim)
                log.settled(runId, finished: true)
                continue
            }
            let target = Path.join(layout.claimFolder(context.identity), runId + Self.takeoverSuffix)
            guard (try? fs.writeNew(target, state, sync: strict)) != nil else {
                // Not writable now: the claim goes back, for the next scan (this runner's own line names it, should it
                // die first). If even that fails, it is admitted again, which reruns the run from its start.
                log.settled(runId, finished: true)
                if (try? fs.rename(claim, to: deadClaim)) != nil {
                    complete = false
                } else {
                    work.append(.claimed(ClaimedFile(name: Self.originalName(name), path: claim, claimedAt: context.clock.now(), recoveredFrom: dead)))
                }
                continue
            }
            try? fs.remove(claim)
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
        guard let claimInfo = try? fs.info(claim), let kept = try? fs.info(layout.request(runId)) else { return false }
        return claimInfo.inode == kept.inode
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
            guard let info = try? fs.info(path), info.type == .regular, info.modified < cutoff else { continue }
            try? fs.remove(path)
        }
    }

    /// The name ending of a record being taken over, in a claim folder.
    static let takeoverSuffix = ".running.json~takeover"

    /// The record at `path`; nil when there is none, or when it cannot be read, which the runner then reports.
    private func readRecord(_ path: String) -> JSONValue? {
        do {
            return try RecordReader.json(at: path, fileSystem: fs)
        } catch {
            context.reportUnreadable(error)
            return nil
        }
    }

    /// The folder name (`host-pid-instance`) of the runner a record names, if any.
    static func ownerFolder(_ json: JSONValue) -> String? {
        if let id = json["runnerId"]?.stringValue { return id }
        return json["runner"]?.stringValue.flatMap(RunnerIdentity.init(actor:))?.folderName
    }

    /// True when nobody serves the run: queued or running with no owner or a dead one, or waiting with its approval expired.
    func shouldTakeOver(_ json: JSONValue) -> Bool {
        guard let status = json["status"]?.stringValue.flatMap(RunStatus.init(rawValue:)) else { return false }
        switch status {
        case .queued, .running:
            guard let owner = Self.ownerFolder(json) else { return true }
            return owner != context.identity.folderName && context.liveness.isDead(owner)
        case .waitingApproval:
            return json["approval"].flatMap(PendingApproval.init(json:))?.hasExpired(at: context.clock.now()) ?? false
        case .succeeded, .failed, .cancelled:
            return false
        }
    }

    /// Removes a live record left beside its result by a dead runner, and writes the run's final audit event if that runner could not.
    ///
    /// A runner writes the result, then the final event, then removes the live
    /// record; killed between the first and the last, it may leave no final
    /// event.
    func repairFinalEvent(_ runId: String) {
        guard let live = readRecord(layout.runningRecord(runId)) else { return }
        let owner = Self.ownerFolder(live)
        if let owner, owner == context.identity.folderName || !context.liveness.isDead(owner) { return }
        if let owner { writeMissingFinalEvent(runId, claimedBy: owner) }
        try? fs.remove(layout.runningRecord(runId))
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
        guard let result = readRecord(layout.result(runId)),
            let status = result["status"]?.stringValue.flatMap(RunStatus.init(rawValue:)), status.isFinal
        else { return }
        let owner = Self.ownerFolder(result) ?? claimedBy
        guard context.liveness.isDead(owner) else { return }
        let event: AuditEventName = status == .succeeded ? .runSucceeded : status == .failed ? .runFailed : .runCancelled
        let search = AuditSearch(layout: layout, fileSystem: fs)
        // Lines that do not hold `"writtenBy":"recovery"` (canonical compact JSON) are skipped without being parsed.
        guard !search.contains(event, runId: runId, inChainsOf: owner),
            !search.contains(event, runId: runId, mentioning: #""writtenBy":"recovery""#, where: { $0["data"]?["writtenBy"] == "recovery" })
        else { return }
        var data: [String: JSONValue] = ["previousRunner": result["runner"] ?? .string(owner), "writtenBy": "recovery"]
        if let error = result["error"], error != .null { data["code"] = error["code"] ?? .null }
        try? context.record(event, runId: runId, data: data)
    }

    /// Moves `outbox/running/<runId>.json` into this runner's claim folder; nil when another runner got there first.
    ///
    /// The record is read again after the move: when it no longer meets
    /// `stillHolds` (another runner took it over and checkpointed in between),
    /// it is put back (linked, never over a newer one) and nil is returned.
    func takeOver(_ runId: String, stillHolds: (JSONValue) -> Bool = { _ in true }) -> String? {
        let target = Path.join(layout.claimFolder(context.identity), runId + Self.takeoverSuffix)
        do {
            try fs.rename(layout.runningRecord(runId), to: target)
        } catch {
            return nil
        }
        guard let json = readRecord(target), stillHolds(json) else {
            putBack(runId, from: target)
            return nil
        }
        return target
    }

    /// Puts a record moved into a claim folder back in `outbox/running/`, by `link`, so never over a newer one.
    func putBack(_ runId: String, from path: String) {
        if (try? fs.link(path, to: layout.runningRecord(runId))) != nil { try? fs.remove(path) }
    }

    /// `x.json` from a claim name `x.json~2`.
    static func originalName(_ name: String) -> String {
        guard let tilde = name.lastIndex(of: "~"), Int(name[name.index(after: tilde)...]) != nil else { return name }
        return String(name[..<tilde])
    }
}
