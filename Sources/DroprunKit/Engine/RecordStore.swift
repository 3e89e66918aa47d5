/// Writes run records and manifests, always whole (temporary file, then rename or link).
struct RecordStore {
    let context: EngineContext

    /// Replaces `outbox/running/<runId>.json` with the record's current state (a checkpoint).
    func checkpoint(_ record: RunRecord) throws(FileSystemError) {
        try context.fileSystem.writeAtomically(context.layout.runningRecord(record.runId), JSONWriter.prettyBytes(record.json), sync: context.sync)
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
            try fs.writeAtomically(Path.join(context.layout.artifactFolder(record.runId), "manifest.json"), JSONWriter.prettyBytes(manifest), sync: context.sync)
        }
        // Strict: the artifacts, manifest and audit are on disk before the result, and the result before anyone is told.
        try await context.commit()
        try fs.writeNew(context.layout.result(record.runId), JSONWriter.prettyBytes(record.json), sync: context.sync)
        try await context.commit()
    }

    /// Removes the live record of a finished run (after its final audit event is written).
    func removeLive(_ runId: String) throws(FileSystemError) {
        let removed = Result { () throws(FileSystemError) in try context.fileSystem.remove(context.layout.runningRecord(runId)) }
        if case .failure(let error) = removed, !error.isNotFound { throw error }
    }
}
