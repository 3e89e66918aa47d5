/// `droprun retry RUN_ID`: a new run `RUN_ID.r1` (then `.r2`, ...) of the same request; the old result stays.
///
/// Created directly, not through the inbox: `outbox/requests/RUN_ID.rN.json`
/// is linked to the original bytes (the link reserves the id), and a queued
/// record naming `retryOf` is written to `outbox/running/`, where the next
/// runner takes it up.
enum RetryCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let configuration = try context.configuration()
        let text = context.parsed.argument("run_id") ?? ""
        let old: RunRecord
        switch try RunLookup.find(text, in: context) {
        case .record(let record, _) where record.status.isFinal:
            old = record
        case .record(let record, _):
            throw CLIError.failed("run '\(record.runId)' has not finished (\(record.status.rawValue)); only a finished run can be retried")
        case .queued(let runId, _):
            throw CLIError.failed("run '\(runId)' has not finished (queued); only a finished run can be retried")
        case .rejected(let drop):
            throw CLIError.failed("\(drop.file) was rejected (\(drop.reason)) and never became a run, so there is nothing to retry; fix the request and submit it again (droprun status \(drop.runId) says why)")
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
        guard case .success(.run(let request, _)) = engine.decoder.decode(bytes, fileName: base + ".json") else {
            throw CLIError.failed("the original request \(layout.relative(original)) no longer validates; fix the configuration or submit a corrected request")
        }
        var n = 1
        var newID = ""
        while true {
            newID = "\(base).r\(n)"
            guard RunID.isValid(newID) else { throw CLIError.failed("cannot make a retry id from '\(runId)': '\(newID)' is too long") }
            let linked = Result { () throws(FileSystemError) in try fs.link(original, to: layout.request(newID)) }
            if case .failure(let error) = linked {
                guard error.isAlreadyExists else { throw CLIError.fileSystem(error) }
                n += 1
                continue
            }
            break
        }
        let now = context.environment.clock.now()
        var record = RunRecord(
            runId: newID, workflow: request.workflow, requestFile: old.requestFile, requestSHA256: SHA256.hex(bytes), requestSize: bytes.count,
            receivedAt: now, createdAt: now)
        record.labels = request.labels
        record.retryOf = runId
        try fs.writeNew(layout.runningRecord(newID), JSONWriter.prettyBytes(record.json), sync: configuration.durability == .strict)
        try engine.audit.record(.runQueued, runId: newID, at: now, data: ["retryOf": .string(runId), "file": .string(old.requestFile)])
        if configuration.durability == .strict { try engine.audit.sync() }
        context.out.line(newID)
        return .success
    }

    /// `x` for `x.r3`; the id itself otherwise.
    static func baseID(_ runId: String) -> String {
        guard let dot = runId.range(of: ".r", options: .backwards), Int(runId[dot.upperBound...]) != nil else { return runId }
        return String(runId[..<dot.lowerBound])
    }
}
