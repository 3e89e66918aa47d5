import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The per-run purge protocol (crash-safe), done for a slice of runs step by step so that its flushes are shared.
///
/// Without an archive (no file or folder is created per run: on ext4, creating one right after many were removed
/// costs more than anything else gc does):
///
/// 1. leave alone a run a runner holds, or one with no result (`RunLocator`);
/// 2. move `outbox/results/<id>.json` to `outbox/purging/<id>~result.json`: the commit point, from which the run is "purging";
/// 3. append the purged-ids line (flushed in strict durability), so the id is refused before its request goes;
/// 4. audit `run.purged` in this process's chain;
/// 5. rename it `<id>~logged.json`;
/// 6. remove `artifacts/<id>/`, then `outbox/requests/<id>~workflow.json` and `<id>.json` (the request last: until it
///    goes, an artifacts folder of the run always has its request beside it);
/// 7. remove `<id>~logged.json`.
///
/// With an archive, the run is gathered in a folder that is then moved whole:
///
/// 1. as above;
/// 2. make `outbox/purging/<id>/` and write its `purge.json` (run, finishedAt, sha256, archive);
/// 3. move `outbox/results/<id>.json` to `purging/<id>/result.json`: the commit point;
/// 4. and 5. the purged-ids line and `run.purged`, as above;
/// 6. create `purging/<id>/.logged`;
/// 7. move `artifacts/<id>/`, then `outbox/requests/<id>~workflow.json` and `<id>.json` into `purging/<id>/`;
/// 8. move `purging/<id>/` to the archive.
///
/// Killed anywhere, the next `gc` finishes what it finds in `outbox/purging/` (`finishLeftovers`): a folder whose
/// result is still in `outbox/results/` (killed before its commit point) is rolled back, the run whole; anything else
/// is carried on, and when not marked logged the purged-ids file and the audit are asked before the line and the
/// event are written again.
extension GarbageCollector {
    /// Purges a slice of runs, each by the protocol above.
    ///
    /// Without an archive, each step's per-run file operations (the checks and commit renames, then the removals) are
    /// made by up to `pool.width` threads at once (`lanes`): on a large folder not in memory each waits for the disk,
    /// and the disk serves several together. A run's own operations stay in their order; the steps are done one
    /// after the other for the whole slice.
    ///
    /// `holds`: the runners' claims, asked as the slice began.
    func purge(_ slice: [Candidate], holds: ClaimHolds) {
        lanes = holds.runIds.isEmpty ? pool.width : 1
        guard options.archive == nil else { return purgeArchiving(slice, holds: holds) }
        let layout = layout
        let fs = fs
        let dryRun = options.dryRun
        let outcomes = pool.map(slice.count, limit: lanes) { index -> CommitOutcome in
            Self.commitFlat(slice[index], holds: holds, dryRun: dryRun, layout: layout, fileSystem: fs)
        }
        var committed: [Candidate] = []
        for (candidate, outcome) in zip(slice, outcomes) {
            switch outcome {
            case .gone: continue
            case .skipped(let why): report.skipped.append(GCReport.Problem(subject: candidate.runId, kind: why))
            case .held(let hold): report.skipped.append(GCReport.Problem(subject: candidate.runId, kind: .held(hold)))
            case .dry(let size):
                report.purged.append(candidate.runId)
                report.bytesFreed += size
            case .committed: committed.append(candidate)
            case .failed(let error): problem(candidate.runId, .cannotBegin(error))
            }
        }
        guard !committed.isEmpty else { return }
        // A commit not flushed could come back after a power cut while its request is gone: the slice stops here, its
        // runs left in `outbox/purging/` for the next gc.
        if strict, !sync(layout.results, layout.purging) { return }
        let ready = log(committed, purgedAt: context.clock.now())
        report.purged += removeInPlace(ready, flat: true)
    }

    /// What step 1 and 2 made of one run (without an archive).
    enum CommitOutcome: Sendable {
        /// No result (removed meanwhile, or never there): nothing to do.
        case gone
        /// A runner holds it: why.
        case held(RunHold)
        /// Its result is unreadable, or is another run's than the candidate's (the id ran again): why.
        case skipped(GCReason)
        /// A dry run: the bytes it would free.
        case dry(Int64)
        /// Its result is in `outbox/purging/<id>~result.json`.
        case committed
        /// The commit rename failed: the run is whole.
        case failed(FileSystemError)
    }

    /// Steps 1 and 2 for one run without an archive, on any thread: asked of the locator, then the commit rename.
    static func commitFlat(_ candidate: Candidate, holds: ClaimHolds, dryRun: Bool, layout: RootLayout, fileSystem fs: any FileSystem)
        -> CommitOutcome
    {
        let runId = candidate.runId
        let locator = RunLocator(layout: layout, fileSystem: fs)
        switch check(candidate, layout: layout, fileSystem: fs) {
        case .gone: return .gone
        case .leftAlone(let why): return .skipped(why)
        case .same: break
        }
        if let why = locator.holder(ofFinished: runId, holds: holds) { return .held(why) }
        if dryRun {
            let tree = FileTree(fileSystem: fs)
            return .dry(
                [layout.result(runId), layout.request(runId), layout.keptWorkflow(runId), layout.artifactFolder(runId)].reduce(0) {
                    $0 + tree.size($1)
                })
        }
        do {
            try fs.rename(layout.result(runId), to: PurgeManifest.flatResult(runId, layout))
            return .committed
        } catch {
            return .failed(error)
        }
    }

    /// What `check` found in `outbox/results/` for a candidate.
    enum ResultCheck {
        /// No result (removed meanwhile, or never there).
        case gone
        /// The result is the run the candidate describes.
        case same
        /// Unreadable, or another run's: why it is left alone.
        case leftAlone(GCReason)
    }

    /// Whether the result in `outbox/results/` is the run `candidate` describes.
    ///
    /// A candidate from an index line may be an earlier run of its id (purged, then the id admitted again once past
    /// `dedupeDays`: the old day file still holds the old line), so its `finishedAt` is read from the result. The read
    /// costs one small file per run, beside the commit rename that needs the same folder block anyway.
    static func check(_ candidate: Candidate, layout: RootLayout, fileSystem fs: any FileSystem) -> ResultCheck {
        switch RunLocator.readRecord(layout.result(candidate.runId), fs: fs) {
        case .missing: return .gone
        case .unreadable(let why): return .leftAlone(.unreadableRecord(why))
        case .record(let record):
            guard record.runId == candidate.runId else { return .leftAlone(.unreadableRecord("it names run '\(record.runId)'")) }
            guard let finishedAt = record.finishedAt, Timestamp.format(finishedAt) == Timestamp.format(candidate.finishedAt) else {
                return .leftAlone(
                    .anotherRun(finishedAt: record.finishedAt.map(Timestamp.format) ?? "not yet", selected: Timestamp.format(candidate.finishedAt)))
            }
            return .same
        }
    }

    /// A slice with `--archive`: each run gathered in its purging folder, then moved to the archive (one at a time).
    private func purgeArchiving(_ slice: [Candidate], holds: ClaimHolds) {
        var committed: [Candidate] = []
        for candidate in slice {
            let runId = candidate.runId
            switch Self.check(candidate, layout: layout, fileSystem: fs) {
            case .gone: continue
            case .leftAlone(let why):
                report.skipped.append(GCReport.Problem(subject: runId, kind: why))
                continue
            case .same: break
            }
            if let why = locator.holder(ofFinished: runId, holds: holds) {
                report.skipped.append(GCReport.Problem(subject: runId, kind: .held(why)))
                continue
            }
            if options.dryRun {
                report.purged.append(runId)
                report.bytesFreed += runSize(runId)
                continue
            }
            if commit(candidate) { committed.append(candidate) }
        }
        guard !committed.isEmpty else { return }
        if strict, !sync(layout.results, layout.purging) { return }
        let ready = log(committed, purgedAt: context.clock.now())
        guard moveIn(ready) else { return }
        for candidate in ready {
            let manifest = PurgeManifest(
                runId: candidate.runId, finishedAt: candidate.finishedAt, sha256: candidate.sha256, archive: options.archive)
            if dispose(layout.purgingFolder(candidate.runId), manifest) { report.purged.append(candidate.runId) }
        }
    }

    /// Steps 7 and 8 without an archive, for logged runs: their artifacts removed where they are, then (after a flush
    /// in strict durability) their kept definition and request, then (after a flush) their purging folder. Returns the
    /// runs now gone; a run whose removal failed keeps its purging folder for the next gc.
    ///
    /// Each step's removals are made by up to `lanes` threads at once.
    ///
    /// `flat`: the run's result is `outbox/purging/<id>~logged.json`; else a folder `outbox/purging/<id>/` (an earlier
    /// gc's, whatever it holds).
    func removeInPlace(_ runs: [Candidate], flat: Bool) -> [String] {
        let layout = layout
        let tree = tree
        let artifacts = pool.map(runs.count, limit: lanes) { index -> Result<Int64, FileSystemError> in
            Result { () throws(FileSystemError) in try tree.remove(layout.artifactFolder(runs[index].runId)) }
        }
        var left: [(Candidate, Int64)] = []
        for (candidate, outcome) in zip(runs, artifacts) {
            switch outcome {
            case .success(let freed): left.append((candidate, freed))
            case .failure(let error):
                problem(layout.relative(layout.artifactFolder(candidate.runId)), .cannotRemove(error))
            }
        }
        // A flush that failed stops the slice at that step: the runs stay in `outbox/purging/` for the next gc.
        if strict && !left.isEmpty && !sync(layout.artifacts) { return [] }
        let kept = left.map(\.0.runId)
        let requests = pool.map(kept.count, limit: lanes) { index -> Result<Int64, FileSystemError> in
            Result { () throws(FileSystemError) in
                let runId = kept[index]
                return try tree.remove(layout.keptWorkflow(runId)) + tree.remove(layout.request(runId))
            }
        }
        var requestless: [(Candidate, Int64)] = []
        for ((candidate, freed), outcome) in zip(left, requests) {
            switch outcome {
            case .success(let more): requestless.append((candidate, freed + more))
            case .failure(let error): problem(layout.relative(layout.request(candidate.runId)), .cannotRemove(error))
            }
        }
        if strict && !requestless.isEmpty && !sync(layout.requests) { return [] }
        var gone: [String] = []
        for (candidate, freed) in requestless {
            let last = flat ? PurgeManifest.flatLogged(candidate.runId, layout) : layout.purgingFolder(candidate.runId)
            do {
                let rest = flat ? try tree.remove(last) : try removeInOrder(last)
                report.bytesFreed += freed + rest
                gone.append(candidate.runId)
            } catch {
                problem(layout.relative(last), .cannotRemove(error))
            }
        }
        return gone
    }

    /// Steps 2 and 3 for one run; false (with the run left whole, and the problem said) when one fails.
    ///
    /// Without an archive, step 3 alone: the result is moved to `outbox/purging/<id>~result.json` (no folder, no manifest).
    private func commit(_ candidate: Candidate) -> Bool {
        guard options.archive != nil else {
            do {
                try fs.rename(layout.result(candidate.runId), to: PurgeManifest.flatResult(candidate.runId, layout))
                return true
            } catch {
                problem(candidate.runId, .cannotBegin(error))
                return false
            }
        }
        let folder = layout.purgingFolder(candidate.runId)
        do {
            try fs.makeDirectory(folder)
            // The manifest only says where the run is archived: without an archive, the moved result says the rest.
            if let archive = options.archive {
                let manifest = PurgeManifest(runId: candidate.runId, finishedAt: candidate.finishedAt, sha256: candidate.sha256, archive: archive)
                try fs.writeAtomically(Path.join(folder, PurgeManifest.fileName), JSONWriter.prettyBytes(manifest.json), sync: strict)
            }
            try fs.rename(layout.result(candidate.runId), to: Path.join(folder, PurgeManifest.resultName))
            return true
        } catch {
            problem(candidate.runId, .cannotBegin(error))
            // Not committed: the folder is only gc's note (the next gc would remove it as well).
            if !fs.exists(Path.join(folder, PurgeManifest.resultName)) { _ = try? tree.remove(folder) }
            return false
        }
    }

    /// Steps 4 to 6 for committed runs: the purged-ids lines (one flush), the `run.purged` events (one flush), the
    /// `.logged` markers. Returns the runs that got through; the others are left in `outbox/purging/` for the next gc.
    private func log(_ runs: [Candidate], purgedAt: Date) -> [Candidate] {
        do {
            try appendPurged(
                runs.map {
                    PurgeRecord(
                        runId: $0.runId, finishedAt: $0.finishedAt, purgedAt: purgedAt, sha256: $0.sha256,
                        archivedTo: archiveTarget($0.runId, $0.finishedAt, in: options.archive))
                })
        } catch {
            problem(layout.relative(PurgeRecord.path(layout)), .cannotRecordPurgedIDs(error))
            return []
        }
        var recorded: [Candidate] = []
        for candidate in runs {
            do {
                try recordPurged(candidate, archive: options.archive)
                recorded.append(candidate)
            } catch {
                problem(candidate.runId, .cannotWriteEvent(error, runId: candidate.runId))
                break
            }
        }
        if strict {
            do {
                try context.audit.sync()
            } catch {
                problem(layout.relative(layout.audit), .cannotFlushAudit(error))
                return []
            }
        }
        return recorded.filter { candidate in
            do throws(FileSystemError) {
                try markLogged(candidate.runId, flat: options.archive == nil)
                return true
            } catch {
                problem(candidate.runId, .cannotMarkLogged(error))
                return false
            }
        }
    }

    /// Step 5: the run's `run.purged` event, naming where it was archived to, if anywhere.
    private func recordPurged(_ run: Candidate, archive: String?) throws(FileSystemError) {
        try context.record(
            .runPurged(sha256: run.sha256, finishedAt: run.finishedAt, archivedTo: archiveTarget(run.runId, run.finishedAt, in: archive)),
            runId: run.runId)
    }

    /// Step 6: `<id>~result.json` renamed `<id>~logged.json` (flat), or `purging/<id>/.logged` made; done already is fine.
    private func markLogged(_ runId: String, flat: Bool) throws(FileSystemError) {
        if flat {
            do {
                try fs.rename(PurgeManifest.flatResult(runId, layout), to: PurgeManifest.flatLogged(runId, layout))
            } catch let error where error.isNotFound && fs.exists(PurgeManifest.flatLogged(runId, layout)) {}
            return
        }
        do {
            try fs.writeNew(Path.join(layout.purgingFolder(runId), PurgeManifest.loggedName), [], sync: false)
        } catch let error where error.isAlreadyExists {}
    }

    /// Appends purged-ids lines, one `write(2)` for them all, flushed once in strict durability.
    func appendPurged(_ records: [PurgeRecord]) throws(FileSystemError) {
        guard !records.isEmpty else { return }
        let file: any AppendableFile
        if let open = purgedFile {
            file = open
        } else {
            try fs.makeDirectory(layout.purged)
            let path = PurgeRecord.path(layout)
            // A killed gc's cut last line is ended first, so the first line appended is not glued to it.
            torn = PurgeRecord.endsTorn(path, fileSystem: fs)
            file = try fs.openForAppending(path)
            purgedFile = file
        }
        var bytes = records.flatMap(\.line)
        if torn { bytes.insert(0x0A, at: 0) }
        try file.append(bytes)
        torn = false
        if strict { try file.sync() }
    }

    /// Step 7 for logged runs: their artifacts, then (after a flush in strict durability) their kept definition and request.
    ///
    /// False when a flush failed (strict durability): the runs are then left in `outbox/purging/` for the next gc.
    private func moveIn(_ runs: [Candidate]) -> Bool {
        var failed: Set<String> = []
        for candidate in runs {
            let folder = layout.purgingFolder(candidate.runId)
            if !move(layout.artifactFolder(candidate.runId), to: Path.join(folder, PurgeManifest.artifactsName), runId: candidate.runId) {
                failed.insert(candidate.runId)
            }
        }
        if strict, !sync(layout.artifacts) { return false }
        for candidate in runs where !failed.contains(candidate.runId) {
            let folder = layout.purgingFolder(candidate.runId)
            _ =
                move(layout.keptWorkflow(candidate.runId), to: Path.join(folder, PurgeManifest.workflowName), runId: candidate.runId)
                && move(layout.request(candidate.runId), to: Path.join(folder, PurgeManifest.requestName), runId: candidate.runId)
        }
        return !strict || sync(layout.requests)
    }

    /// Moves one file or folder of a run into its purging folder; nothing to move is fine.
    private func move(_ source: String, to target: String, runId: String) -> Bool {
        do {
            try fs.rename(source, to: target)
            return true
        } catch let error where error.isNotFound {
            return true
        } catch {
            problem(layout.relative(source), .cannotMoveIn(error, runId: runId))
            return false
        }
    }

    /// Step 8: the purging folder to the archive, or removed. False (said) when it could not be.
    func dispose(_ folder: String, _ manifest: PurgeManifest) -> Bool {
        // A folder still holding the run's request (a move of step 7 failed) is left for the next gc.
        guard !fs.exists(layout.request(manifest.runId)) else { return false }
        // The run's own files, as a dry run counts them (gc's manifest is not the run's).
        let size = tree.size(folder) - tree.size(Path.join(folder, PurgeManifest.fileName))
        do {
            if let archive = manifest.archive {
                try self.archive(folder, manifest, into: archive)
            } else {
                try removeInOrder(folder)
            }
            report.bytesFreed += size
            return true
        } catch {
            problem(layout.relative(folder), .cannotDispose(error, archiving: manifest.archive != nil))
            return false
        }
    }

    /// `DIR/<yyyy-mm-dd of finishedAt>/<runId>` for a run, or nil without `--archive`.
    func archiveTarget(_ runId: String, _ finishedAt: Date, in archive: String?) -> String? {
        archive.map { Path.join($0, IndexFiles.day(of: finishedAt), runId) }
    }

    /// Moves a purging folder to `archive/<day>/<runId>`: one rename, or on another file system a copy (each file
    /// flushed) under a hidden name, a rename into place, then the removal of the original.
    private func archive(_ folder: String, _ manifest: PurgeManifest, into archive: String) throws(FileSystemError) {
        let day = Path.join(archive, IndexFiles.day(of: manifest.finishedAt))
        let target = Path.join(day, manifest.runId)
        try fs.makeDirectory(day)
        // Already archived (killed after the copy was renamed into place): only the original is left to remove.
        if fs.exists(target) {
            try removeMarkers(target)
            try removeInOrder(folder)
            return
        }
        do {
            try fs.rename(folder, to: target)
            if strict { try fs.syncDirectory(day) }
            try removeMarkers(target)
            return
        } catch let error where error.code == EXDEV {
            let partial = Path.join(day, ".\(manifest.runId).partial")
            try tree.remove(partial)
            try tree.copy(folder, to: partial)
            try removeMarkers(partial)
            try fs.rename(partial, to: target)
            try fs.syncDirectory(day)
            try removeInOrder(folder)
        }
    }

    /// Takes gc's own notes (`purge.json`, `.logged`) out of an archived run's folder: the archive holds the run's files.
    private func removeMarkers(_ folder: String) throws(FileSystemError) {
        try tree.remove(Path.join(folder, PurgeManifest.fileName))
        try tree.remove(Path.join(folder, PurgeManifest.loggedName))
    }

    /// Removes a purging folder: artifacts, request and definition, then the result and manifest, `.logged` last.
    ///
    /// Killed on the way, what is left still says (by its result, or `.logged`) that the purge was committed.
    /// Returns the bytes removed.
    @discardableResult
    func removeInOrder(_ folder: String) throws(FileSystemError) -> Int64 {
        var freed: Int64 = 0
        for name in [
            PurgeManifest.artifactsName, PurgeManifest.requestName, PurgeManifest.workflowName, PurgeManifest.resultName, PurgeManifest.fileName,
        ] {
            freed += try tree.remove(Path.join(folder, name))
        }
        // Anything else put there by hand goes too, then the marker and the folder.
        for entry in (try? fs.list(folder)) ?? [] where entry.name != PurgeManifest.loggedName {
            freed += try tree.remove(Path.join(folder, entry.name))
        }
        return freed + (try tree.remove(folder))
    }

    /// Bytes a run takes: result, kept request and definition, artifacts.
    func runSize(_ runId: String) -> Int64 {
        [layout.result(runId), layout.request(runId), layout.keptWorkflow(runId), layout.artifactFolder(runId)].reduce(0) { $0 + tree.size($1) }
    }

    /// Flushes folders (strict durability); false when one failed (said): the caller stops its slice at that step,
    /// since what the flush was to make durable may come back after a power cut.
    @discardableResult
    func sync(_ folders: String...) -> Bool {
        for folder in folders {
            do {
                try fs.syncDirectory(folder)
            } catch {
                problem(layout.relative(folder), .cannotFlushFolder(error))
                return false
            }
        }
        return true
    }

    // MARK: Leftovers

    /// A run a killed `gc` left in `outbox/purging/`: its result moved flat (`<id>~result.json`, `<id>~logged.json`)
    /// or gathered in its folder (`--archive`, and earlier versions).
    private struct Leftover {
        var manifest: PurgeManifest
        /// The run's folder in `outbox/purging/`; nil for a flat leftover.
        var folder: String?
        /// True when its purged-ids line and `run.purged` event were written (step 6 done).
        var logged: Bool
    }

    /// Finishes what a killed `gc` left in `outbox/purging/`: each run rolled back (not committed) or carried on.
    ///
    /// The leftovers not marked logged are relogged together (`relog`): one read of the purged ids, one pass over
    /// the audit, one flush of each, however many a killed gc left.
    func finishLeftovers() {
        var pending: [Leftover] = []
        for entry in (try? fs.list(layout.purging)) ?? [] where !entry.name.hasPrefix(".") {
            if let (runId, logged) = PurgeManifest.flatName(entry.name) {
                let path = logged ? PurgeManifest.flatLogged(runId, layout) : PurgeManifest.flatResult(runId, layout)
                guard let manifest = PurgeManifest.read(flat: path, runId: runId, fileSystem: fs) else {
                    problem(layout.relative(path), .unreadableLeftover)
                    continue
                }
                pending.append(Leftover(manifest: manifest, folder: nil, logged: logged))
                continue
            }
            let runId = entry.name
            let folder = layout.purgingFolder(runId)
            let hasResult = fs.exists(Path.join(folder, PurgeManifest.resultName))
            let logged = fs.exists(Path.join(folder, PurgeManifest.loggedName))
            guard hasResult || logged else {
                // Killed before the commit point: the run is whole where it was; only gc's note goes.
                do {
                    try tree.remove(folder)
                } catch {
                    problem(layout.relative(folder), .cannotRemoveUnfinished(error))
                }
                continue
            }
            guard let manifest = PurgeManifest.read(folder: folder, runId: runId, fileSystem: fs) else {
                // Killed while removing the folder (its result and manifest gone already): the rest goes.
                do {
                    try removeInOrder(folder)
                    report.leftoversFinished += 1
                    report.purged.append(runId)
                } catch {
                    problem(layout.relative(folder), .cannotRemove(error))
                }
                continue
            }
            pending.append(Leftover(manifest: manifest, folder: folder, logged: logged))
        }
        let relogged = relog(pending.filter { !$0.logged })
        let holds = locator.claimHolds()
        for leftover in pending where leftover.logged || relogged.contains(leftover.manifest.runId) {
            let manifest = leftover.manifest
            if let why = newerRun(manifest, holds: holds) {
                report.skipped.append(GCReport.Problem(subject: manifest.runId, kind: why))
                continue
            }
            let candidate = Candidate(runId: manifest.runId, finishedAt: manifest.finishedAt, sha256: manifest.sha256)
            let finished: Bool
            if let folder = leftover.folder, manifest.archive != nil {
                finished = moveIn([candidate]) && dispose(folder, manifest)
            } else {
                // What an earlier gc moved into a folder goes with it (`removeInOrder`).
                finished = !removeInPlace([candidate], flat: leftover.folder == nil).isEmpty
            }
            if finished {
                report.leftoversFinished += 1
                report.purged.append(manifest.runId)
            }
        }
    }

    /// Why a leftover's files in `outbox/requests/` and `outbox/artifacts/` must be left alone: they may be a newer
    /// run's with the same id (admitted again once the id was free), which a runner holds or whose request differs.
    private func newerRun(_ manifest: PurgeManifest, holds: ClaimHolds) -> GCReason? {
        let runId = manifest.runId
        if locator.hasResult(runId) { return .newerRunHasResult(runId: runId) }
        if let hold = locator.holder(ofFinished: runId, holds: holds) ?? (locator.isBeingTakenOver(runId) ? .takeover : nil) {
            return .newerRunHeld(runId: runId, hold)
        }
        if !manifest.sha256.isEmpty, let bytes = try? fs.readFile(layout.request(runId)), SHA256.hex(bytes) != manifest.sha256 {
            return .newerRequest(runId: runId, sha256: SHA256.hex(bytes), earlier: manifest.sha256)
        }
        return nil
    }

    /// Steps 4 to 6 for the leftovers not marked logged: each line and event written only if the purged-ids file or
    /// the audit lacks it, each file read once and flushed once for all. Returns the runs now logged.
    private func relog(_ leftovers: [Leftover]) -> Set<String> {
        let manifests = leftovers.map(\.manifest)
        guard !manifests.isEmpty else { return [] }
        let ids = Set(manifests.map(\.runId))
        // The purged ids, read once: which leftovers already have their line (same run: same finishedAt).
        var listed: Set<String> = []
        _ = try? LineChunks(fileSystem: fs).forEach(PurgeRecord.path(layout)) { line in
            guard let runId = PurgeRecord.runId(inLine: line.bytes), ids.contains(String(runId)), let record = PurgeRecord(line: line.bytes) else {
                return true
            }
            listed.insert("\(record.runId) \(Timestamp.format(record.finishedAt))")
            return true
        }
        let events = AuditSearch(layout: layout, fileSystem: fs).events(.runPurged, runIds: ids)
        let now = context.clock.now()
        do {
            let missing = manifests.filter { !listed.contains("\($0.runId) \(Timestamp.format($0.finishedAt))") }
            try appendPurged(
                missing.map {
                    PurgeRecord(
                        runId: $0.runId, finishedAt: $0.finishedAt, purgedAt: now, sha256: $0.sha256,
                        archivedTo: archiveTarget($0.runId, $0.finishedAt, in: $0.archive))
                })
        } catch {
            for manifest in manifests {
                problem(manifest.runId, .cannotFinishLeftover(error))
            }
            return []
        }
        var recorded: [Leftover] = []
        for leftover in leftovers {
            let manifest = leftover.manifest
            let finished = Timestamp.format(manifest.finishedAt)
            let has = (events[manifest.runId] ?? []).contains {
                $0["data"]?["finishedAt"]?.stringValue == finished && $0["data"]?["sha256"]?.stringValue == manifest.sha256
            }
            do {
                if !has {
                    try recordPurged(
                        Candidate(runId: manifest.runId, finishedAt: manifest.finishedAt, sha256: manifest.sha256), archive: manifest.archive)
                }
                recorded.append(leftover)
            } catch {
                problem(manifest.runId, .cannotFinishLeftover(error))
            }
        }
        if strict, !recorded.isEmpty {
            do {
                try context.audit.sync()
            } catch {
                problem(layout.relative(layout.audit), .cannotFlushAudit(error))
                return []
            }
        }
        var logged: Set<String> = []
        for leftover in recorded {
            do {
                try markLogged(leftover.manifest.runId, flat: leftover.folder == nil)
                logged.insert(leftover.manifest.runId)
            } catch {
                problem(leftover.manifest.runId, .cannotMarkLogged(error))
            }
        }
        return logged
    }
}
