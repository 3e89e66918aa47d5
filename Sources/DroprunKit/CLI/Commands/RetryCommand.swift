/// `droprun retry RUN_ID`: a new run `RUN_ID.r1` (then `.r2`, ...) of the same request; the old result stays.
///
/// Created directly, not through the inbox: `outbox/requests/RUN_ID.rN.json`
/// is linked to the original bytes (the link reserves the id; a copy when the
/// system refuses the link), and a queued record naming `retryOf` is written
/// to `outbox/running/`, where the next runner takes it up. The new run runs
/// the definition the retried run was admitted with (its kept
/// `~workflow.json` is copied for the new run); `--latest` resolves a named
/// workflow from its file as it is now, says so, and marks the record
/// (`workflow.latest`). A retry killed after its reservation and before its
/// record leaves `RUN_ID.rN` reserved; the next retry of the run completes it.
enum RetryCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let configuration = try context.configuration()
        let text = context.parsed.argument("run_id") ?? ""
        let latest = context.parsed.flag("latest")
        let old: RunRecord
        let found = try RunLookup.find(text, in: context)
        switch found {
        case .purged, .purging:
            throw PurgedRunText.refusal(found, doing: "retry: its kept request is gone; submit the request again under a new id")
        case .record(let record, _) where record.status.isFinal:
            old = record
        case .record(let record, _):
            throw CLIError.failed("run '\(record.runId)' has not finished (\(record.status.rawValue)); only a finished run can be retried")
        case .queued(let runId, _):
            throw CLIError.failed("run '\(runId)' has not finished (queued); only a finished run can be retried")
        case .rejected(let drop):
            throw CLIError.failed(
                "\(drop.file) was rejected (\(drop.reason)) and never became a run, so there is nothing to retry; fix the request and submit it again (droprun status \(drop.runId) says why)"
            )
        }
        let runId = old.runId
        let engine = context.engine(configuration)
        defer { engine.audit.close() }
        let layout = engine.layout
        let fs = context.fs
        let base = baseID(runId)
        let original = fs.exists(layout.request(runId)) ? layout.request(runId) : layout.request(base)
        let bytes: [UInt8]
        do {
            bytes = try fs.readFile(original, maxBytes: 1 << 30)
        } catch {
            throw CLIError.failed("cannot read the original request \(layout.relative(original)): \(error)")
        }
        // The kept request is the runner's own file; bytes that differ from the ones the run was admitted with were
        // written by someone since, and are not run.
        let keptSHA = SHA256.hex(bytes)
        if keptSHA != old.requestSHA256 {
            throw CLIError.failed(
                "\(layout.relative(original)) is not the request \(runId) was admitted with (sha256 \(keptSHA), the record's requestSHA256 \(old.requestSHA256)): it was changed after admission, so it is not run again; submit the request you mean as a new drop"
            )
        }
        let (request, workflow) = try resolve(bytes, of: old, runId: runId, base: base, latest: latest, engine: engine, original: original)
        var n = 1
        var newID = ""
        while true {
            newID = "\(base).r\(n)"
            guard RunID.isValid(newID) else { throw CLIError.failed("cannot make a retry id from '\(runId)': '\(newID)' is too long") }
            // An id gc purged stays refused (retention.dedupeDays): taken, as a kept request is.
            if let purged = PurgeRecord.find(newID, layout: layout, fileSystem: fs),
                purged.isRefused(at: context.environment.clock.now(), dedupeDays: configuration.retention.dedupeDays)
            {
                n += 1
                continue
            }
            if case .failure(let error) = reserve(
                original, bytes: bytes, as: layout.request(newID), fs: fs, strict: configuration.durability == .strict)
            {
                guard error.isAlreadyExists else { throw CLIError.fileSystem(error) }
                // A retry killed between its reservation and its record left this id reserved and never run: finish it.
                if isOrphaned(newID, bytes: bytes, layout: layout, fs: fs) { break }
                n += 1
                continue
            }
            break
        }
        if let workflow, workflow.file != nil {
            try fs.writeAtomically(layout.keptWorkflow(newID), workflow.bytes, sync: configuration.durability == .strict)
        }
        let now = context.environment.clock.now()
        var record = RunRecord(
            runId: newID, workflow: request.workflow, requestFile: old.requestFile, requestSHA256: SHA256.hex(bytes), requestSize: bytes.count,
            receivedAt: now, createdAt: now)
        record.labels = request.labels
        record.retryOf = runId
        workflow?.describe(in: &record)
        record.workflowLatest = latest && workflow?.file != nil
        let written = Result { () throws(FileSystemError) in
            try fs.writeNew(layout.runningRecord(newID), JSONWriter.prettyBytes(record.json), sync: configuration.durability == .strict)
        }
        if case .failure(let error) = written {
            // Two retries finishing the same orphaned id: the record is written once.
            if error.isAlreadyExists {
                throw CLIError.failed("\(newID) was created by another 'droprun retry \(runId)' at the same moment; see droprun status \(newID)")
            }
            throw CLIError.fileSystem(error)
        }
        try engine.audit.record(
            .runQueuedAsRetry(retryOf: runId, file: old.requestFile, workflowSHA256: record.workflowSHA256, latest: record.workflowLatest),
            runId: newID, at: now)
        if configuration.durability == .strict { try engine.audit.sync() }
        context.out.line(newID)
        if latest {
            // Standard output stays the new run id alone, for scripts.
            if let workflow, let file = workflow.file {
                let was =
                    old.workflowSHA256.map { $0 == workflow.sha256 ? "the same definition as \(runId)'s" : "\(runId) ran sha256 \($0)" }
                    ?? "\(runId)'s definition was not recorded"
                context.err.line(
                    "--latest: \(newID) runs \(file) as it is now (version \(request.workflow.version ?? "none"), sha256 \(workflow.sha256); \(was))")
            } else {
                context.err.line("--latest: \(runId)'s workflow is inline in its request, so \(newID) runs that same definition")
            }
        }
        return .success
    }

    /// The request to run again, and its definition: the retried run's, or with `latest` the named workflow's file as it is now.
    private static func resolve(
        _ bytes: [UInt8], of old: RunRecord, runId: String, base: String, latest: Bool, engine: EngineContext, original: String
    ) throws -> (RunRequest, AdmittedWorkflow?) {
        let layout = engine.layout
        let fs = engine.fileSystem
        /// Names the rejection's own errors (a workflow file that is gone, an unknown provider), not only that it failed.
        func invalid(_ drop: Result<Drop, Rejection>) -> String {
            let why = if case .failure(let rejection) = drop { ": " + rejection.issues.map(\.description).joined(separator: "; ") } else { "" }
            return "the original request \(layout.relative(original)) no longer validates\(why); fix the configuration or submit a corrected request"
        }
        if !latest {
            let keptPath = [layout.keptWorkflow(runId), layout.keptWorkflow(base)].first { fs.exists($0) }
            if let keptPath {
                let kept: [UInt8]
                do {
                    kept = try fs.readFile(keptPath, maxBytes: 64 << 20)
                } catch {
                    throw CLIError.failed(
                        "cannot read the definition \(runId) was admitted with, \(layout.relative(keptPath)): \(error); 'droprun retry --latest \(runId)' runs the workflow's file as it is now"
                    )
                }
                if let sha = old.workflowSHA256, SHA256.hex(kept) != sha {
                    throw CLIError.failed(
                        "\(layout.relative(keptPath)) is not the definition \(runId) was admitted with (sha256 \(SHA256.hex(kept)), the record's \(sha)); 'droprun retry --latest \(runId)' runs the workflow's file as it is now"
                    )
                }
                let decoded = AdmittedWorkflow.decode(bytes, fileName: base + ".json", with: engine.decoder, kept: kept)
                guard case .success(.run(let request, _)) = decoded.drop else { throw CLIError.failed(invalid(decoded.drop)) }
                return (request, decoded.workflow)
            }
            if let file = old.workflowFile {
                throw CLIError.failed(
                    "the definition \(runId) was admitted with (\(layout.relative(layout.keptWorkflow(runId))), from \(file)) is gone; 'droprun retry --latest \(runId)' runs \(file) as it is now"
                )
            }
        }
        let decoded = AdmittedWorkflow.decode(bytes, fileName: base + ".json", with: engine.decoder)
        guard case .success(.run(let request, _)) = decoded.drop else { throw CLIError.failed(invalid(decoded.drop)) }
        if !latest, decoded.workflow?.file != nil {
            // A run of a named workflow recorded before definitions were kept: which definition it ran is unknown.
            throw CLIError.failed(
                "\(runId) was admitted before droprun kept workflow definitions, so the one it ran is unknown; 'droprun retry --latest \(runId)' runs \(decoded.workflow?.file ?? "the workflow's file") as it is now"
            )
        }
        return (request, decoded.workflow)
    }

    /// Reserves a retry's run id: links the original request to `target`, or (when the system refuses the link, as
    /// for a file another user owns) writes a copy of its bytes there, which equally fails when `target` exists.
    private static func reserve(_ original: String, bytes: [UInt8], as target: String, fs: any FileSystem, strict: Bool) -> Result<
        Void, FileSystemError
    > {
        let linked = Result { () throws(FileSystemError) in try fs.link(original, to: target) }
        guard case .failure(let error) = linked, !error.isAlreadyExists else { return linked }
        return Result { () throws(FileSystemError) in try fs.writeNew(target, bytes, sync: strict) }
    }

    /// True when `newID` is reserved with `bytes` but has no record anywhere (no runner ever heard of it).
    ///
    /// A retry writes the reservation, the kept definition, then the record;
    /// killed in between it leaves the reservation alone, which the next retry
    /// of the same run completes instead of reserving the next number.
    private static func isOrphaned(_ newID: String, bytes: [UInt8], layout: RootLayout, fs: any FileSystem) -> Bool {
        guard !RunLocator(layout: layout, fileSystem: fs).isRecorded(newID),
            let kept = try? fs.readFile(layout.request(newID), maxBytes: 1 << 30), kept == bytes
        else { return false }
        return true
    }

    /// `x` for `x.r3`; the id itself otherwise.
    static func baseID(_ runId: String) -> String {
        guard let dot = runId.range(of: ".r", options: .backwards), Int(runId[dot.upperBound...]) != nil else { return runId }
        return String(runId[..<dot.lowerBound])
    }
}
