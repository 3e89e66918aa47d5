/// The workflow definition a run was admitted with, which it keeps for its whole life (resume, recovery, retry).
///
/// A named workflow (`"workflow": "w"`) is read from `workflows/w.json` once,
/// when the run is admitted, and that definition is written to
/// `outbox/requests/<runId>~workflow.json` as soon as the run id is reserved,
/// before anything else of the run: resuming after an approval, recovering
/// from a record, a checkpoint-log line or a claim, and `retry` all read it
/// from there, never from the workflows folder, so editing the file changes
/// only runs admitted later. (`~` is never part of a run id, so the name is
/// never a kept request's.) An inline workflow is inside the kept request.
///
/// `sha256` is over `bytes`, the definition's canonical form (compact, keys
/// sorted by their bytes): an unchanged definition gives the same value in
/// every run, inline or named, and the kept file holds exactly those bytes.
struct AdmittedWorkflow: Sendable {
    /// The workflow object as resolved.
    var definition: JSONValue
    /// The file a named workflow came from (`workflows/w.json`); nil for an inline one.
    var file: String?
    /// The canonical form, as kept.
    var bytes: [UInt8]
    /// SHA-256 of `bytes`, as records show it.
    var sha256: String

    init(definition: JSONValue, file: String?) {
        self.definition = definition
        self.file = file
        bytes = JSONWriter.compactBytes(definition)
        sha256 = SHA256.hex(bytes)
    }

    /// Decodes a request with `decoder` and returns, with the outcome, the definition its workflow resolved to.
    static func decode(_ bytes: [UInt8], fileName: String, with decoder: RequestDecoder) -> (
        drop: Result<Drop, Rejection>, workflow: AdmittedWorkflow?
    ) {
        let caught = DefinitionCatch()
        var decoder = decoder
        decoder.onDefinition = { definition, file in caught.set(definition, file) }
        let drop = decoder.decode(bytes, fileName: fileName)
        return (drop, caught.value.map { AdmittedWorkflow(definition: $0.definition, file: $0.file) })
    }

    /// Decodes a run's kept request with its named workflow resolved to `kept` (the kept definition's bytes), never to the file.
    ///
    /// The definition returned holds `kept` as it is, so its `sha256` is the
    /// kept file's; nil (with the drop a rejection) when `kept` is not JSON.
    static func decode(_ bytes: [UInt8], fileName: String, with decoder: RequestDecoder, kept: [UInt8]) -> (
        drop: Result<Drop, Rejection>, workflow: AdmittedWorkflow?
    ) {
        guard let definition = try? JSONParser.parse(kept) else {
            return (.failure(Rejection(.invalidJSON, "the kept workflow definition is not valid JSON")), nil)
        }
        var pinned = decoder
        pinned.loadWorkflow = { _ in definition }
        let (drop, resolved) = decode(bytes, fileName: fileName, with: pinned)
        return (drop, resolved.map { AdmittedWorkflow(definition: definition, file: $0.file, bytes: kept) })
    }

    private init(definition: JSONValue, file: String?, bytes: [UInt8]) {
        self.definition = definition
        self.file = file
        self.bytes = bytes
        sha256 = SHA256.hex(bytes)
    }

    /// Sets the record's `workflow` fields from this definition.
    func describe(in record: inout RunRecord) {
        record.workflowSHA256 = sha256
        record.workflowFile = file
    }
}

extension RunRecord {
    /// Why this record's steps are not `workflow`'s (their number, ids or providers differ), or nil when they are.
    ///
    /// A record is only ever made from its run's definition, so a difference
    /// means the record, the kept request or the kept definition was changed
    /// or damaged: the run cannot be resumed safely, and fails with
    /// `workflow_mismatch` instead of running some other step's definition.
    func stepMismatch(with workflow: Workflow) -> String? {
        let recorded = steps.map { "\($0.id) (\($0.provider))" }
        let defined = workflow.steps.map { "\($0.id) (\($0.provider))" }
        guard recorded != defined else { return nil }
        return "the record's \(steps.count) step\(steps.count == 1 ? "" : "s") [\(recorded.joined(separator: ", "))] are not "
            + "the \(workflow.steps.count) of the workflow '\(workflow.name)' it was admitted with [\(defined.joined(separator: ", "))]; "
            + "was the record or outbox/requests/\(runId).json changed by hand? The run cannot resume: retry it with 'droprun retry \(runId)'"
    }
}
