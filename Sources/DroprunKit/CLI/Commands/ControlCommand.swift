/// `droprun approve|reject|cancel RUN_ID`: drops a control message into the inbox, for the runner to apply.
///
/// The message goes through the inbox like any drop (written hidden, then
/// linked into place), so it is applied by whichever runner serves the root, in
/// order, and kept in `outbox/control/` once applied. The command checks first
/// that the run can take it, so a mistake is reported at once.
enum ControlCommand {
    static func approve(_ context: CommandContext) async throws -> ExitCode { try await drop(context, verb: .approve) }
    static func reject(_ context: CommandContext) async throws -> ExitCode { try await drop(context, verb: .reject) }
    static func cancel(_ context: CommandContext) async throws -> ExitCode { try await drop(context, verb: .cancel) }

    static func drop(_ context: CommandContext, verb: ControlVerb) async throws -> ExitCode {
        let configuration = try context.configuration()
        let by = context.parsed.value("by") ?? context.loginName
        let note = context.parsed.value("note")
        let runId = try check(context.parsed.argument("run_id") ?? "", verb: verb, context: context)
        let name = RootLayout.controlMessageName(runId: runId, verb: verb, at: context.environment.clock.now(), pid: context.environment.identity.pid)
        var message: [String: JSONValue] = ["runId": .string(runId), "by": .string(by)]
        if verb == .cancel {
            message["kind"] = "cancel"
        } else {
            message["kind"] = "approval"
            message["decision"] = .string(verb.rawValue)
            if let note { message["note"] = .string(note) }
        }
        let layout = context.layout
        try layout.createFolders(context.fs)
        if verb == .cancel {
            // The marker at once, so a runner executing the run stops it within a fraction of a second
            // even while it is busy (a run --once in the middle of a batch reads no new drops).
            let marker = RootLayout.cancelMarkerContent(runId: runId, by: by, at: context.environment.clock.now())
            try context.fs.writeAtomically(layout.cancelMarker(runId), JSONWriter.prettyBytes(marker), sync: configuration.durability == .strict)
        }
        // A decision reserves the run's current wait first (one O_EXCL link): of two decisions at once, one is refused here.
        let reservation =
            !verb.isDecision
            ? nil
            : try DecisionReservation.reserve(
                runId, approve: verb == .approve, by: by, file: "inbox/\(name)", context: context, sync: configuration.durability == .strict)
        do {
            try context.fs.writeNew(
                Path.join(layout.inbox, name), JSONWriter.prettyBytes(.object(message)), sync: configuration.durability == .strict)
        } catch {
            reservation.map { try? context.fs.remove($0) }
            throw error
        }
        context.out.line(
            "\(verb) of run '\(runId)' dropped as inbox/\(name); the runner serving this root applies it (droprun watch, or the next droprun run --once)"
        )
        return .success
    }

    /// Says at once why a run cannot take `verb` (approve, reject, cancel); returns its run id when it can.
    ///
    /// Refused: an unknown run, a rejected drop, a finished run; for an
    /// approval, a run not waiting for one, one whose approval has expired, and
    /// one for which a decision was already dropped and not yet applied (a
    /// runner would reject the second as `invalid_state`).
    static func check(_ text: String, verb: ControlVerb, context: CommandContext) throws -> String {
        let found = try RunLookup.find(text, in: context)
        switch found {
        case .purged, .purging:
            throw PurgedRunText.refusal(found, doing: verb.rawValue)
        case .record(let record, _):
            let runId = record.runId
            if record.status.isFinal {
                throw CLIError.failed("run '\(runId)' already finished (\(record.status.rawValue)); there is nothing to \(verb)")
            }
            guard verb.isDecision else { return runId }
            if record.status != .waitingApproval {
                throw CLIError.failed("run '\(runId)' is \(record.status.rawValue), not waiting for an approval")
            }
            if context.fs.exists(context.layout.cancelMarker(runId)) {
                throw CLIError.failed(
                    "run '\(runId)' has a cancel waiting to be applied (\(context.layout.relative(context.layout.cancelMarker(runId)))); it ends cancelled when a runner next looks, so a decision would be refused"
                )
            }
            if let pending = PendingDecision.find(runId, layout: context.layout, fs: context.fs) {
                throw CLIError.failed(
                    "run '\(runId)' already has a decision waiting to be applied: \(pending.summary); it \(pending.next). A second decision would be refused"
                )
            }
            if record.approvalExpired(now: context.environment.clock.now()), let expires = record.approval?.expiresAt {
                throw CLIError.failed(
                    "run '\(runId)' can no longer be decided: its approval expired at \(Timestamp.format(expires)); the run fails with approval_expired when a runner next looks"
                )
            }
            return runId
        case .queued(let runId, _):
            if verb.isDecision { throw CLIError.failed("run '\(runId)' is queued, not waiting for an approval") }
            return runId
        case .rejected(let drop):
            throw CLIError.failed(
                "\(drop.file) was rejected (\(drop.reason)) and never became a run; there is nothing to \(verb) (droprun status \(drop.runId) says why)"
            )
        }
    }
}
