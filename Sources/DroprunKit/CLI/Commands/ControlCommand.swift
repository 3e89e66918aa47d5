/// `droprun approve|reject|cancel RUN_ID`: drops a control message into the inbox, for the runner to apply.
///
/// The message goes through the inbox like any drop (written hidden, then
/// linked into place), so it is applied by whichever runner serves the root, in
/// order, and kept in `outbox/control/` once applied. The command checks first
/// that the run can take it, so a mistake is reported at once.
enum ControlCommand {
    static func approve(_ context: CommandContext) async throws -> ExitCode { try await drop(context, verb: "approve") }
    static func reject(_ context: CommandContext) async throws -> ExitCode { try await drop(context, verb: "reject") }
    static func cancel(_ context: CommandContext) async throws -> ExitCode { try await drop(context, verb: "cancel") }

    static func drop(_ context: CommandContext, verb: String) async throws -> ExitCode {
        let configuration = try context.configuration()
        let runId = context.parsed.argument("run_id") ?? ""
        let by = context.parsed.value("by") ?? context.environment.variables["USER"] ?? "cli"
        let note = context.parsed.value("note")
        switch try RunLookup.find(runId, in: context) {
        case .record(let record, _):
            if record.status.isFinal {
                throw CLIError.failed("run '\(runId)' already finished (\(record.status.rawValue)); there is nothing to \(verb)")
            }
            if verb != "cancel", record.status != .waitingApproval {
                throw CLIError.failed("run '\(runId)' is \(record.status.rawValue), not waiting for an approval")
            }
        case .queued:
            if verb != "cancel" { throw CLIError.failed("run '\(runId)' is queued, not waiting for an approval") }
        }
        var message: [String: JSONValue] = ["runId": .string(runId), "by": .string(by)]
        if verb == "cancel" {
            message["kind"] = "cancel"
        } else {
            message["kind"] = "approval"
            message["decision"] = .string(verb)
            if let note { message["note"] = .string(note) }
        }
        let layout = context.layout
        try layout.createFolders(context.fs)
        if verb == "cancel" {
            // The marker at once, so a runner executing the run stops it within a fraction of a second
            // even while it is busy (a run --once in the middle of a batch reads no new drops).
            let marker: JSONValue = ["runId": .string(runId), "by": .string(by), "at": .string(Timestamp.format(context.environment.clock.now()))]
            try context.fs.writeAtomically(layout.cancelMarker(runId), JSONWriter.prettyBytes(marker), sync: configuration.durability == .strict)
        }
        let name = "\(runId).\(verb).\(Timestamp.compact(context.environment.clock.now())).\(context.environment.identity.pid).json"
        try context.fs.writeNew(Path.join(layout.inbox, name), JSONWriter.prettyBytes(.object(message)), sync: configuration.durability == .strict)
        context.out.line("\(verb) of run '\(runId)' dropped as inbox/\(name); the runner serving this root applies it (droprun watch, or the next droprun run --once)")
        return .success
    }
}
