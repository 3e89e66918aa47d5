/// Writes run records and manifests, always whole (temporary file, then rename or link).
struct RecordStore {
    let context: EngineContext

    /// Replaces `outbox/running/<runId>.json` with the record's current state (a checkpoint).
    ///
    /// Strict: the temporary file is flushed (with everything before it) before
    /// it replaces the record, so a power cut leaves the old record or the new
    /// one, never an empty file. With `settle`, the replacement is flushed too
    /// before this returns. Without it (the step that ended and the next one
    /// both cannot wait), the replacement becomes durable with the run's next
    /// flush, which comes before anything is reported: a power cut in between
    /// runs that instant step again, as if it had been interrupted.
    ///
    /// `replacing` false says no live record is in place yet (a claim or a
    /// record being taken over stands for the run): a plain rename, without
    /// first trying a swap that would fail. `claim` names the claim file that
    /// stands for the run until then, if any.
    ///
    /// A run with lines in the checkpoint log has this state appended there
    /// first, so the log's last line is never older than the live record.
    func checkpoint(_ record: RunRecord, settle: Bool = true, replacing: Bool = true, claim: String? = nil) async throws {
        let fs = context.fileSystem
        let strict = context.configuration.durability == .strict
        let path = context.layout.runningRecord(record.runId)
        let log = context.checkpointLog
        let logged = log.holds(record.runId)
        if logged { try log.append(record, claim: claim) }
        let temp = try fs.writeTemporary(besides: path, record.prettyBytes)
        if strict { try await context.commit() }
        do {
            // The flush may have taken a while (or the runner was paused in it): does it still hold the run?
            if strict { try context.ensureLease() }
            if !replacing {
                try fs.rename(temp, to: path)
            } else if let old = try fs.replace(temp, to: path, removeOld: !strict) {
                // Strict: the old version's blocks are on disk, and freeing them waits for the disk.
                context.reaper.remove(old, fileSystem: fs)
            }
        } catch {
            try? fs.remove(temp)
            throw error
        }
        if logged { log.settled(record.runId, finished: false) }
        if strict && settle { try await context.commit() }
    }

    /// Appends the record's state to this runner's checkpoint log instead of publishing it (the next step finishes at once).
    ///
    /// `claim` names the claim file that stands for the run when it has no
    /// live record. Strict: with `settle` (the step that ended may have
    /// waited), the line is flushed before the run goes on; without it, it is
    /// durable with the run's next flush, and a power cut before then runs the
    /// instant step again.
    func log(_ record: RunRecord, claim: String?, settle: Bool) async throws {
        try context.checkpointLog.append(record, claim: claim)
        if settle { try await context.commit() }
    }

    /// Writes the final record once (the caller then writes the final audit event and removes the live record).
    ///
    /// The result is linked into place, never renamed over: if a result is
    /// already there (another runner finished the run), this fails with
    /// `EEXIST` and nothing is replaced. In strict durability the audit events
    /// are flushed first, so the result is never on disk without its history.
    func finish(_ record: RunRecord) async throws {
        let fs = context.fileSystem
        if !record.artifacts.isEmpty {
            let manifest: JSONValue = [
                "runId": .string(record.runId), "artifacts": .array(record.artifacts.map(\.json)),
            ]
            try fs.writeAtomically(
                Path.join(context.layout.artifactFolder(record.runId), "manifest.json"), JSONWriter.prettyBytes(manifest), sync: false)
        }
        // Strict: the artifacts, manifest, audit and the result's bytes are on disk before the result is linked into place,
        // and the link before anyone is told.
        // The temporary file sits in `outbox/running/`, where recovery sweeps what a killed runner leaves.
        let resultPath = context.layout.result(record.runId)
        let temp = try fs.writeTemporary(besides: context.layout.runningRecord(record.runId), record.prettyBytes)
        try await context.commit()
        do {
            try context.ensureLease()
            try fs.link(temp, to: resultPath)
        } catch {
            try? fs.remove(temp)
            // Another runner finished this run (it took the run over from this one): leave it.
            if (error as? FileSystemError)?.isAlreadyExists == true {
                context.checkpointLog.settled(record.runId, finished: true)
                throw RunFinishedElsewhere(runId: record.runId)
            }
            throw error
        }
        try fs.remove(temp)
        context.checkpointLog.settled(record.runId, finished: true)
        try await context.commit()
    }

    /// Removes the live record of a finished run (after its final audit event is written).
    ///
    /// Strict: the record is renamed to a hidden temporary name and removed by
    /// the reaper, since freeing its flushed blocks waits for the disk.
    func removeLive(_ runId: String) throws(FileSystemError) {
        let fs = context.fileSystem
        let live = context.layout.runningRecord(runId)
        let removed = Result { () throws(FileSystemError) in
            if context.configuration.durability == .strict {
                let hidden = Path.temporary(besides: live)
                try fs.rename(live, to: hidden)
                context.reaper.remove(hidden, fileSystem: fs)
            } else {
                try fs.remove(live)
            }
        }
        if case .failure(let error) = removed, !error.isNotFound { throw error }
    }
}
