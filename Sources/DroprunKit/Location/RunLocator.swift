/// The one answer to "where is run X, and who holds it".
///
/// `locate(_:deep:)` gives the whole answer (a `RunLocation`, with the record
/// where there is one) and is for the commands; shallow, it asks
/// a few `stat`s and reads no checkpoint log. The other queries answer one
/// part of it with as few file-system calls as the caller can afford:
/// admission asks `hasResult` for every request, one `stat`, and the rest only
/// when a run id is already taken.
struct RunLocator {
    let layout: RootLayout
    let fileSystem: any FileSystem

    init(layout: RootLayout, fileSystem: any FileSystem) {
        self.layout = layout
        self.fileSystem = fileSystem
    }

    init(context: EngineContext) { self.init(layout: context.layout, fileSystem: context.fileSystem) }

    private var fs: any FileSystem { fileSystem }

    // MARK: The whole answer

    /// Where run `runId` is, looked for in the order of its life backwards (see `RunLocation`); never `.rejected`
    /// (a rejection is found by the dropped file's name: `rejection(fileNames:runIds:)`).
    ///
    /// Shallow (`deep: false`) it looks only where a `stat` or one read tells:
    /// the result, the live record, the kept request, the inbox. A run whose
    /// record is being taken over, or whose newest state is a checkpoint line,
    /// is then `.accepted` (its request is kept until its result is written),
    /// and a drop in a claim folder is `.unknown`. Deep, it also lists
    /// `outbox/claimed/` for a record being taken over, reads every runner's
    /// checkpoint log, and lists every claim folder: only for who holds a run.
    func locate(_ runId: String, deep: Bool) -> RunLocation {
        for path in [layout.result(runId), layout.runningRecord(runId)] {
            switch Self.readRecord(path, fs: fs) {
            case .missing: continue
            case .unreadable(let reason): return .unreadable(path: path, reason: reason)
            case .record(let record) where path == layout.result(runId): return .result(record, path: path)
            case .record(let record):
                return .live(record, path: path, holder: HeldRecord.owner(runnerId: record.runnerId, runner: record.runner))
            }
        }
        if deep, let (path, runner) = takeover(of: runId) {
            switch Self.readRecord(path, fs: fs) {
            case .missing: break
            case .unreadable(let reason): return .unreadable(path: path, reason: reason)
            case .record(let record): return .beingTakenOver(record, path: path, by: runner)
            }
        }
        if deep, let (held, runner) = checkpointed(runId) { return .checkpointed(held, runner: runner) }
        // Being purged: the result was moved into outbox/purging/<runId>/ (gc's commit point) while the request may still be kept.
        if let purging = purging(runId) { return purging }
        if fs.exists(layout.request(runId)) { return .accepted(path: layout.request(runId)) }
        // Not admitted yet: a drop in the inbox is asked first (a stat), then the claim folders (a listing each).
        if fs.exists(layout.inboxFile(runId)) { return .inbox(path: layout.inboxFile(runId)) }
        if deep, let (path, runner) = claim(of: runId) { return .claimed(path: path, by: runner) }
        // Gone: purged by gc, its id kept in outbox/purged/purged.jsonl (read from its end, only for an id found nowhere else).
        if let purged = PurgeRecord.find(runId, layout: layout, fileSystem: fs) { return .purged(purged) }
        return .unknown
    }

    /// The newest rejection filed under one of `fileNames` or carrying one of `runIds`, as a location.
    func rejection(fileNames: [String], runIds: [String]) -> RunLocation? {
        RejectedDrop.find(fileNames: fileNames, runIds: runIds, layout: layout, fs: fs).map(RunLocation.rejected)
    }

    // MARK: Light queries

    /// The run as `gc` is removing it (`outbox/purging/<runId>/` with its result moved in, or a manifest; or its
    /// result alone as `outbox/purging/<runId>~result.json` or `~logged.json`): three `stat`s when it is not.
    func purging(_ runId: String) -> RunLocation? {
        let folder = layout.purgingFolder(runId)
        guard (try? fs.info(folder))??.type == .directory else {
            // Without an archive, the result alone is moved there (`<runId>~result.json`, then `~logged.json`).
            for path in [PurgeManifest.flatResult(runId, layout), PurgeManifest.flatLogged(runId, layout)] where fs.exists(path) {
                return .purging(runId: runId, folder: path, finishedAt: PurgeManifest.read(flat: path, runId: runId, fileSystem: fs)?.finishedAt)
            }
            return nil
        }
        let result = Path.join(folder, PurgeManifest.resultName)
        let committed = fs.exists(result) || fs.exists(Path.join(folder, PurgeManifest.loggedName))
        // Before the commit point the run is still whole where it was; the folder is only gc's note.
        guard committed else { return nil }
        let manifest = PurgeManifest.read(folder: folder, runId: runId, fileSystem: fs)
        return .purging(runId: runId, folder: folder, finishedAt: manifest?.finishedAt)
    }

    /// True when the run has a result: one `stat`, asked for every admitted request.
    func hasResult(_ runId: String) -> Bool { fs.exists(layout.result(runId)) }

    /// True when `gc` has begun to remove the run: its folder or its result in `outbox/purging/`.
    func isPurging(_ runId: String) -> Bool {
        [layout.purgingFolder(runId), PurgeManifest.flatResult(runId, layout), PurgeManifest.flatLogged(runId, layout)].contains(where: fs.exists)
    }

    /// True when the run has a live record in `outbox/running/`: one `stat`.
    func hasLiveRecord(_ runId: String) -> Bool { fs.exists(layout.runningRecord(runId)) }

    /// True when the run id is reserved (`outbox/requests/<runId>.json` kept): one `stat`.
    func isAccepted(_ runId: String) -> Bool { fs.exists(layout.request(runId)) }

    /// True when the run has a record anywhere: one being taken over, a live record, or a result.
    ///
    /// Looked for in the order a run moves on (a record being taken over is
    /// put back in `outbox/running/`, and a live record ends as a result), so
    /// a run moving on while it is looked for is still found.
    func isRecorded(_ runId: String) -> Bool {
        isBeingTakenOver(runId) || hasLiveRecord(runId) || hasResult(runId)
    }

    /// Where the run id is taken already (`outbox/results/<runId>.json`, then running, then requests), relative to the root; a `stat` each.
    func takenPlace(_ runId: String) -> String? {
        [layout.result(runId), layout.runningRecord(runId), layout.request(runId)].first(where: fs.exists).map(layout.relative)
    }

    /// True when some runner's claim folder holds the run's record while taking it over.
    func isBeingTakenOver(_ runId: String) -> Bool { takeover(of: runId) != nil }

    /// The record being taken over in some runner's claim folder, and that runner's folder name.
    func takeover(of runId: String) -> (path: String, runner: String)? {
        for folder in (try? fs.list(layout.claimed)) ?? [] {
            let path = layout.takeoverRecord(runId, inClaimFolder: folder.name)
            if fs.exists(path) { return (path, folder.name) }
        }
        return nil
    }

    /// The newest state of the run in a runner's checkpoint log, when it has no live record (else the record is the answer).
    func checkpointed(_ runId: String) -> (HeldRecord, runner: String)? {
        for folder in (try? fs.list(layout.checkpoints)) ?? [] where !folder.name.hasPrefix(".") {
            if let line = CheckpointLog.read(folder: layout.checkpointFolder(folder.name), fileSystem: fs)[runId],
                let held = HeldRecord(json: line.record)
            {
                return (held, folder.name)
            }
        }
        return nil
    }

    /// A file in some runner's claim folder whose name gives the run id (`x.json`, `x.json~2`), and that runner.
    func claim(of runId: String) -> (path: String, runner: String)? {
        for runner in (try? fs.list(layout.claimed)) ?? [] where !runner.name.hasPrefix(".") {
            let folder = Path.join(layout.claimed, runner.name)
            for entry in (try? fs.list(folder)) ?? [] where !RootLayout.isTakeoverName(entry.name) {
                if RunID.fromFileName(RootLayout.claimedFileName(entry.name)) == runId { return (Path.join(folder, entry.name), runner.name) }
            }
        }
        return nil
    }

    /// What every runner's claim folder holds right now, for `gc` to leave alone: one listing of each claim folder.
    ///
    /// A claim names its run by its file name (`x.json`, `x.json~2`), a
    /// record being taken over by its `<runId>.running.json~takeover` name, and
    /// a dead runner's claim that reserved its run id is that run's kept request
    /// (the same inode): all three are held.
    func claimHolds() -> ClaimHolds {
        var holds = ClaimHolds()
        for runner in (try? fs.list(layout.claimed)) ?? [] where !runner.name.hasPrefix(".") {
            let folder = Path.join(layout.claimed, runner.name)
            for entry in (try? fs.list(folder)) ?? [] where !entry.name.hasPrefix(".") {
                let runId = RootLayout.takeoverRunId(entry.name) ?? RunID.fromFileName(RootLayout.claimedFileName(entry.name))
                holds.runIds[runId] = runner.name
                if let inode = (try? fs.info(Path.join(folder, entry.name)))??.inode { holds.inodes[inode] = runner.name }
            }
        }
        return holds
    }

    /// Why `gc` must leave a finished run alone now (a runner holds it), or nil; `holds` from `claimHolds()`.
    func holder(ofFinished runId: String, holds: ClaimHolds) -> RunHold? {
        if hasLiveRecord(runId) { return .liveRecord(runId: runId) }
        if let runner = holds.runIds[runId] { return .claim(runner: runner) }
        if let inode = (try? fs.info(layout.request(runId)))??.inode, let runner = holds.inodes[inode] { return .claimIsKeptRequest(runner: runner) }
        return nil
    }

    /// True when a run request in the inbox, or in the claim folder `claims` and not yet admitted, carries the run id
    /// (by its `id`, else by its file name). Reads every request there: asked only for control messages.
    func inboxHolds(_ runId: String, claims: String, maxRequestBytes: Int) -> Bool {
        if fs.exists(layout.inboxFile(runId)) { return true }
        for folder in [layout.inbox, claims] {
            for entry in (try? fs.list(folder)) ?? [] where !entry.name.hasPrefix(".") && !RootLayout.isTakeoverName(entry.name) {
                guard folder == claims || InboxScanner.isRequestName(entry.name),
                    let bytes = try? fs.readRegularFile(Path.join(folder, entry.name), maxBytes: maxRequestBytes),
                    let json = try? JSONParser.parse(bytes), json["kind"] == nil || json["kind"] == "run"
                else { continue }
                if (json["id"]?.stringValue ?? RunID.fromFileName(RootLayout.claimedFileName(entry.name))) == runId { return true }
            }
        }
        return false
    }

    /// The record at `path` (a result, a live record, one being taken over) for who holds it.
    ///
    /// - Returns: nil when the file is there but holds no run status.
    /// - Throws: `UnreadableRecord` (`.notFound` when there is no file).
    func held(at path: String) throws(UnreadableRecord) -> HeldRecord? {
        HeldRecord(json: try RecordReader.json(at: path, fileSystem: fs))
    }

    // MARK: Reading records for people

    /// A record file as read for the commands.
    enum RecordFile {
        /// There is no such file.
        case missing
        /// A run record.
        case record(RunRecord)
        /// The file is there but cannot be read as a record: why.
        case unreadable(String)
    }

    /// Reads a record file; never skips one it cannot read in silence.
    static func readRecord(_ path: String, fs: any FileSystem) -> RecordFile {
        let bytes: [UInt8]
        do {
            bytes = try fs.readFile(path, maxBytes: 1 << 30)
        } catch {
            switch error {
            case .notFound: return .missing
            case .notRegular(let type): return .unreadable("it is \(type.phrase), not a regular file")
            case .tooLarge(let size, let limit): return .unreadable("it has \(size) bytes, more than the \(limit) a record may have")
            case .unreadable(let e): return .unreadable("the system refused to read it: \(e)")
            }
        }
        let json: JSONValue
        do {
            json = try RecordReader.parse(bytes)
        } catch {
            return .unreadable(bytes.isEmpty ? "it is empty (a power cut before it was flushed?)" : "it is not valid JSON: \(error)")
        }
        do {
            return .record(try RunRecord(validating: json))
        } catch {
            return .unreadable("it is JSON but not a run record: \(error)")
        }
    }
}
