/// `droprun status RUN_ID`: one line about where a run is.
enum StatusCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let text = context.parsed.argument("run_id") ?? ""
        let now = context.environment.clock.now()
        let found = try RunLookup.find(text, in: context)
        switch found {
        case .purged, .purging:
            let refused = if case .purged(let record) = found { PurgedRunText.isRefused(record, context: context) } else { true }
            // A finished run, gone (or going): said as a finished run is (exit 0).
            if context.json, let json = PurgedRunText.json(found, layout: context.layout, refused: refused) {
                context.printJSON(json)
            } else if let line = PurgedRunText.statusLine(found, layout: context.layout, refused: refused) {
                context.out.line(line)
            }
        case .record(let record, let path):
            let interruption = record.interruption(TakeoverPolicy(reading: context.liveness, now: now))
            let pending = record.status == .waitingApproval ? PendingDecision.find(record.runId, layout: context.layout, fs: context.fs) : nil
            let cancel = record.status.isFinal ? nil : pendingCancel(record.runId, context)
            if context.json {
                var o: [String: JSONValue] = [
                    "runId": .string(record.runId), "status": .string(record.status.rawValue), "record": .string(context.layout.relative(path)),
                    "durationMs": record.durationMs.map(JSONValue.int) ?? .null,
                    "error": record.error.map { $0.json(step: record.errorStep) } ?? .null,
                    "approval": record.approval?.json ?? .null,
                ]
                o["steps"] = .object(
                    Dictionary(
                        uniqueKeysWithValues: record.steps.map { step in
                            // As `show` says: the approval step a run waits on is waiting (its record says running).
                            let waiting = record.status == .waitingApproval && record.approval?.step == step.id
                            return (step.id, JSONValue.string(waiting ? "waiting" : step.status.rawValue))
                        }))
                if let interruption { o["interrupted"] = .string(interruption) }
                if !record.status.isFinal { o["cancelRequested"] = .bool(cancel != nil) }
                if record.status == .waitingApproval {
                    o["decision"] = pending?.json ?? .null
                    o["approvalExpired"] = .bool(record.approvalExpired(now: now))
                }
                context.printJSON(.object(o))
            } else {
                let done = record.steps.filter { $0.status == .succeeded }.count
                var line = "\(record.runId): \(record.status.rawValue) (\(done)/\(record.steps.count) steps succeeded"
                if let ms = record.durationMs { line += ", \(ms) ms" }
                line += ")"
                if let error = record.errorSummary { line += " - \(error)" }
                if let waiting = record.waitingSummary(now: now, pending: pending) { line += " - \(waiting)" }
                if let interruption { line += " - \(interruption)" }
                if let cancel { line += " - \(cancel)" }
                context.out.line(line)
            }
        case .queued(let runId, let path):
            let cancel = pendingCancel(runId, context)
            if context.json {
                context.printJSON([
                    "runId": .string(runId), "status": .string(RunStatus.queued.rawValue), "record": .string(context.layout.relative(path)),
                    "cancelRequested": .bool(cancel != nil),
                ])
            } else {
                context.out.line("\(runId): queued (\(context.layout.relative(path)))" + (cancel.map { " - \($0)" } ?? ""))
            }
        case .rejected(let drop):
            if context.json {
                context.printJSON(drop.json)
            } else {
                var line = "\(drop.runId): rejected (\(drop.reason)) - the drop \(drop.file) never became a run"
                line += ": " + drop.errorLines.joined(separator: "; ")
                line += " (see \(drop.errorFile)"
                if drop.earlier > 0 { line += "; \(drop.earlier) earlier rejection\(drop.earlier == 1 ? "" : "s") of the same name" }
                line += "); \(drop.advice)"
                context.out.line(line)
            }
            // It never became a run: like an unknown run, with the reason said.
            return .failure
        }
        return .success
    }

    /// What is said of a cancel filed for a run that has not ended yet (its marker in `outbox/cancels/`), if there is one.
    static func pendingCancel(_ runId: String, _ context: CommandContext) -> String? {
        let marker = context.layout.cancelMarker(runId)
        guard context.fs.exists(marker) else { return nil }
        return "cancel requested (\(context.layout.relative(marker))); it ends the run when a runner next looks"
    }
}
