import Foundation

/// Takes files from the inbox and turns each into a run, a control message or a rejection.
///
/// The claim is one `rename(2)` from `inbox/` into this runner's own folder
/// under `outbox/claimed/`: of several runners renaming the same file, exactly
/// one succeeds. A run id is then reserved by `link(2)`ing the claimed file to
/// `outbox/requests/<runId>.json`, which fails if that name exists: of two
/// drops with one run id, exactly one becomes a run and the other a `duplicate`.
struct Intake {
    let context: EngineContext

    private var fs: any FileSystem { context.fileSystem }
    private var layout: RootLayout { context.layout }
    private var locator: RunLocator { RunLocator(context: context) }

    /// Moves `name` from the inbox into the claim folder; nil when another runner took it first.
    func claim(_ candidate: InboxCandidate) throws(FileSystemError) -> ClaimedFile? {
        let name = candidate.name
        let folder = layout.claimFolder(context.identity)
        let target = freeClaimPath(for: name)
        let source = Path.join(layout.inbox, name)
        let result = Result { () throws(FileSystemError) in
            if let raw = candidate.rawName {
                try fs.renameEntry(in: layout.inbox, rawName: raw, to: target)
            } else {
                try fs.rename(source, to: target)
            }
        }
        if case .failure(let error) = result {
            guard error.isNotFound else { throw error }
            // Either another runner took the file, or the claim folder is missing.
            guard !fs.exists(folder) else { return nil }
            try fs.makeDirectory(folder)
            if let raw = candidate.rawName {
                try fs.renameEntry(in: layout.inbox, rawName: raw, to: target)
            } else {
                guard fs.exists(source) else { return nil }
                try fs.rename(source, to: target)
            }
        }
        return ClaimedFile(name: name, path: target, claimedAt: context.clock.now())
    }

    /// A path in this runner's claim folder for `name` that nothing holds: `name`, else `name~2`, `name~3`, ...
    func freeClaimPath(for name: String) -> String {
        let folder = layout.claimFolder(context.identity)
        var target = Path.join(folder, name)
        var n = 1
        while fs.exists(target) {
            n += 1
            target = Path.join(folder, RootLayout.claimName(name, n))
        }
        return target
    }

    /// Reads, checks and files a claimed file.
    func admit(_ claimed: ClaimedFile) throws -> Admission {
        let bytes: [UInt8]
        do {
            bytes = try fs.readRegularFile(claimed.path, maxBytes: context.configuration.maxRequestBytes)
        } catch {
            let rejection: Rejection
            switch error {
            case .notFound:
                rejection = Rejection(.unreadable, "the file disappeared after it was taken from the inbox")
            case .notRegular(let type):
                rejection = Rejection(.notRegularFile, "'\(claimed.name)' is a \(type.rawValue), not a regular file; it was not followed or opened")
            case .tooLarge(let size, let limit):
                rejection = Rejection(.tooLarge, "the file has \(size) bytes; the limit (maxRequestBytes) is \(limit)")
            case .unreadable(let e):
                rejection = Rejection(.unreadable, "cannot read the file: \(e)")
            }
            return try reject(claimed, rejection)
        }

        // A dead runner's claim that reserved its run id may have kept the run's definition: that one is the run's.
        let kept = claimed.recovered ? keptDefinition(reservedBy: claimed, bytes: bytes) : nil
        let decoded =
            kept.map { AdmittedWorkflow.decode(bytes, fileName: claimed.name, with: context.decoder, kept: $0) }
            ?? AdmittedWorkflow.decode(bytes, fileName: claimed.name, with: context.decoder)
        switch decoded.drop {
        case .failure(let rejection) where rejection.reason == .invalidJSON && claimed.mayBeIncomplete:
            return .incomplete
        case .failure(let rejection):
            if claimed.recovered { try releaseReservation(of: claimed, bytes: bytes) }
            return try reject(claimed, rejection)
        case .success(.control(let message)):
            return .control(message, claimed)
        case .success(.run(let request, let runId)):
            // A result is checked first, in case its request copy was removed by hand (checking after the link
            // would leave a window in which a crash files the new drop as the old run's request).
            if locator.hasResult(runId), let existing = locator.takenPlace(runId) {
                // A dead runner's claim of a run it finished (it died before removing the claim, which stood for a
                // run of instant steps to its end): the same file is the kept request.
                if let dead = claimed.recoveredFrom, let claimInode = try fs.info(claimed.path)?.inode,
                    try fs.info(layout.request(runId))?.inode == claimInode
                {
                    let recovery = Recovery(context: context)
                    recovery.writeMissingFinalEvent(runId, claimedBy: dead)
                    // The claim stands for the run until its index line is written (if that fails, the claim is tried again later).
                    try recovery.addMissingIndexLine(runId)
                    try fs.remove(claimed.path)
                    return .nothing
                }
                return try reject(
                    claimed,
                    Rejection(
                        .duplicate, "run '\(runId)' already exists (\(existing)); to run it again use 'droprun retry \(runId)'",
                        path: request.id != nil ? JSONPath.root.key("id") : nil))
            }
            // Taken before the reservation, which may replace the claim by the runner's own copy (a new file, a new time).
            let dropped = try? fs.info(claimed.path)
            // The link reserves the run id; it fails when `outbox/requests/` holds the id already.
            if case .failure(let error) = reserve(claimed, bytes: bytes, as: runId, dropped: dropped) {
                guard error.isAlreadyExists else { throw error }
                if let claimInode = try fs.info(claimed.path)?.inode, let held = try fs.info(layout.request(runId)), held.inode == claimInode {
                    // A runner reserved this run id with this very file, then died: before its record was written,
                    // or after (the record is in outbox/running/, or being taken over in some claim folder).
                    if locator.isRecorded(runId) {
                        try fs.remove(claimed.path)
                        return .nothing
                    }
                    // It died between the reservation and the purged-ids check below: the check is made now.
                    if let purged = purgedRun(runId) {
                        try fs.remove(layout.request(runId))
                        return try reject(
                            claimed, Rejection(.duplicate, purged.duplicateMessage, path: request.id != nil ? JSONPath.root.key("id") : nil))
                    }
                    // Without the definition it kept (it died first), the one resolved now is kept: no step of the run
                    // has a record or a log line, so none of it ran for good.
                    if kept == nil, let workflow = decoded.workflow { try keep(workflow, for: runId) }
                    // The run was created when the dead runner wrote its `run.queued` (its time keeps the run's place in
                    // list and the window its audit events are looked for in); without that event, it is created now.
                    let sha256 = SHA256.hex(bytes)
                    let queued = AuditSearch(layout: layout, fileSystem: fs).first(.runQueued, runId: runId, mentioning: sha256)
                    let createdAt = queued?["at"]?.stringValue.flatMap(Timestamp.parse) ?? context.clock.now()
                    var record = RunRecord(
                        runId: runId, workflow: request.workflow, requestFile: claimed.name, requestSHA256: sha256,
                        requestSize: bytes.count, receivedAt: min(claimed.claimedAt, createdAt), createdAt: createdAt)
                    record.labels = request.labels
                    decoded.workflow?.describe(in: &record)
                    // A claim deferred (or a runner killed) after the reservation but before `run.queued` was written: the
                    // run's admission is recorded now, so its audit trail starts as every other's does.
                    if queued == nil {
                        try context.record(
                            .runQueued(
                                file: claimed.name, workflow: request.workflow.name, sha256: record.requestSHA256,
                                workflowSHA256: record.workflowSHA256), runId: runId)
                    }
                    try context.record(.runRecoveredReservation(file: claimed.name), runId: runId)
                    return .run(record, request, claimPath: claimed.path)
                }
                return try reject(
                    claimed,
                    Rejection(
                        .duplicate,
                        "run '\(runId)' already exists (\(locator.takenPlace(runId) ?? "outbox/requests/\(runId).json")); to run it again use 'droprun retry \(runId)'",
                        path: request.id != nil ? JSONPath.root.key("id") : nil))
            }
            // Reserved: a run gc purged keeps its id refused (its line in outbox/purged/ is written before its request goes,
            // so at every instant either the link failed above or the line is there). The reservation is undone first.
            if let purged = purgedRun(runId) {
                try fs.remove(layout.request(runId))
                return try reject(claimed, Rejection(.duplicate, purged.duplicateMessage, path: request.id != nil ? JSONPath.root.key("id") : nil))
            }
            // A cancel marker older than this file was meant for an earlier request with this id (since rejected): not for this one.
            let marker = layout.cancelMarker(runId)
            if let markerInfo = try? fs.info(marker), let fileInfo = dropped ?? nil, markerInfo.modified < fileInfo.modified {
                try? fs.remove(marker)
                context.cancelBoard.forget(runId)
            }
            // The definition is kept before anything else of the run is written, so whatever resumes the run finds it.
            if let workflow = decoded.workflow { try keep(workflow, for: runId) }
            let now = context.clock.now()
            var record = RunRecord(
                runId: runId, workflow: request.workflow, requestFile: claimed.name, requestSHA256: SHA256.hex(bytes),
                requestSize: bytes.count, receivedAt: claimed.claimedAt, createdAt: now)
            record.labels = request.labels
            decoded.workflow?.describe(in: &record)
            try context.record(
                .runQueued(
                    file: claimed.name, workflow: request.workflow.name, sha256: record.requestSHA256, workflowSHA256: record.workflowSHA256),
                runId: runId)
            return .run(record, request, claimPath: claimed.path)
        }
    }

    /// The purge record of `runId` while its id is refused (`retention.dedupeDays` after it finished): one `stat`,
    /// a binary search, and the file read only on a hit.
    func purgedRun(_ runId: String) -> PurgeRecord? {
        guard let record = context.purgedIDs.lookup(runId),
            record.isRefused(at: context.clock.now(), dedupeDays: context.configuration.retention.dedupeDays)
        else { return nil }
        return record
    }

    /// Reserves `runId` for a claimed file: links it to `outbox/requests/<runId>.json`, which fails with `EEXIST` when the id is taken.
    ///
    /// The kept request is what `retry`, resume and recovery read again, so it
    /// must be the runner's own file that nobody else may write. A dropped file
    /// another user owns, or one its group or others may write (a shared inbox
    /// with umask 002), is therefore never linked as it is: the claim is first
    /// replaced by the runner's own copy of the exact bytes it read (mode 0644
    /// less the umask, written beside it, flushed in strict durability, renamed
    /// over it), and that copy is linked. The same is done when `link(2)` fails
    /// otherwise: `EPERM` where `fs.protected_hardlinks=1` (Debian's default),
    /// or a file system that refuses links. Duplicates are still refused
    /// atomically by the link, and the claim stays the same file as the kept
    /// request, which is how recovery recognises a claim that was reserved.
    ///
    /// - Parameter dropped: what `lstat` said of the claim before this call (nil: not known, link it as it is first).
    func reserve(_ claimed: ClaimedFile, bytes: [UInt8], as runId: String, dropped: FileInfo?) -> Result<Void, FileSystemError> {
        let target = layout.request(runId)
        let ownCopy = {
            Result { () throws(FileSystemError) in
                try fs.writeAtomically(claimed.path, bytes, sync: context.configuration.durability == .strict)
                try fs.link(claimed.path, to: target)
            }
        }
        if let dropped, dropped.owner != Self.runnerUser || dropped.isWritableByOthers {
            // A file that already holds the id is refused before anything is copied.
            if fs.exists(target) { return .failure(FileSystemError("link", path: target, code: EEXIST)) }
            return ownCopy()
        }
        let linked = Result { () throws(FileSystemError) in try fs.link(claimed.path, to: target) }
        guard case .failure(let error) = linked, !error.isAlreadyExists, !error.isNotFound else { return linked }
        return ownCopy()
    }

    /// The user this runner runs as: the owner of the files it writes.
    static var runnerUser: UInt32 { UInt32(geteuid()) }

    /// Removes the run id a dead runner's claim reserved (the claim is the kept request) when the claim no longer
    /// decodes (the configuration or a provider changed since) and the run has no record yet.
    ///
    /// Done before the claim is rejected: killed in between, the claim is
    /// taken over again and rejected then. Without it the id would stay
    /// reserved for good (`status` saying queued, a corrected drop refused as a
    /// duplicate).
    private func releaseReservation(of claimed: ClaimedFile, bytes: [UInt8]) throws(FileSystemError) {
        guard let json = try? JSONParser.parse(bytes) else { return }
        let runId = json["id"]?.stringValue ?? RunID.fromFileName(claimed.name)
        guard RunID.isValid(runId), let claimInode = try fs.info(claimed.path)?.inode, try fs.info(layout.request(runId))?.inode == claimInode,
            !locator.isRecorded(runId)
        else { return }
        if fs.exists(layout.keptWorkflow(runId)) { try fs.remove(layout.keptWorkflow(runId)) }
        try fs.remove(layout.request(runId))
    }

    /// Writes a named workflow's definition beside the run's kept request (an inline one is inside it already).
    func keep(_ workflow: AdmittedWorkflow, for runId: String) throws(FileSystemError) {
        guard workflow.file != nil else { return }
        try fs.writeAtomically(layout.keptWorkflow(runId), workflow.bytes, sync: false)
    }

    /// The kept definition of the run a recovered claim reserved (the claim is that run's kept request), if any.
    ///
    /// Read before the request is decoded, since the workflow's file may have
    /// changed, or be gone, since the run was admitted.
    private func keptDefinition(reservedBy claimed: ClaimedFile, bytes: [UInt8]) -> [UInt8]? {
        guard let json = try? JSONParser.parse(bytes) else { return nil }
        let runId = json["id"]?.stringValue ?? RunID.fromFileName(claimed.name)
        guard RunID.isValid(runId), let claimInode = try? fs.info(claimed.path)?.inode,
            (try? fs.info(layout.request(runId)))??.inode == claimInode
        else { return nil }
        return try? fs.readFile(layout.keptWorkflow(runId), maxBytes: 64 << 20)
    }

    /// Moves a claimed file, byte for byte, to `outbox/rejected/` beside its `.error.json`.
    ///
    /// The error file is written first, under a name no other rejection holds;
    /// then the file is moved beside it. Neither replaces an earlier rejection:
    /// a second `x.json` becomes `x~2.json`.
    func reject(_ claimed: ClaimedFile, _ rejection: Rejection) throws -> Admission {
        let now = context.clock.now()
        var name = freeRejectedName(claimed.name)
        while true {
            let error: JSONValue = [
                "file": .string(claimed.name), "reason": .string(rejection.reason.rawValue), "rejectedAt": .string(Timestamp.format(now)),
                "rejectedAs": .string(name), "errors": .array(rejection.issues.map(\.json)),
            ]
            let written = Result { () throws(FileSystemError) in
                try fs.writeNew(Path.join(layout.rejected, name + ".error.json"), JSONWriter.prettyBytes(error), sync: false)
            }
            guard case .failure(let failure) = written else { break }
            // Another runner rejected a file of the same name at the same moment: take the next free name.
            guard failure.isAlreadyExists else { throw failure }
            name = freeRejectedName(claimed.name)
        }
        try fs.rename(claimed.path, to: Path.join(layout.rejected, name))
        try context.record(
            .requestRejected(
                file: claimed.name, reason: rejection.reason.rawValue, rejectedAs: name, errors: rejection.issues.map(\.json)), runId: nil)
        context.activity.rejected(rejection.reason, at: now)
        return .rejected(rejection, rejectedAs: name)
    }

    private func freeRejectedName(_ name: String) -> String {
        var stem = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        let ext = name.hasSuffix(".json") ? ".json" : ""
        // Leave room for "~N" and ".error.json" within the 255-byte name limit.
        let room = 255 - ".error.json".utf8.count - 12 - ext.utf8.count
        if stem.utf8.count > room {
            while stem.utf8.count > room { stem.removeLast() }
            stem += "~cut"
        }
        let name = stem + ext
        var candidate = name
        var n = 1
        while fs.exists(Path.join(layout.rejected, candidate)) || fs.exists(Path.join(layout.rejected, candidate + ".error.json")) {
            n += 1
            candidate = "\(stem)~\(n)\(ext)"
        }
        return candidate
    }
}
