/// `droprun show RUN_ID`: a run's whole record, for people or as JSON.
///
/// Step outputs (and an exec step's standard error) are shown on one line, cut at about 60 characters; `--full`
/// prints each whole, pretty-printed under its step.
enum ShowCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let text = context.parsed.argument("run_id") ?? ""
        let full = context.parsed.flag("full")
        let record: RunRecord
        let path: String
        let found = try RunLookup.find(text, in: context)
        switch found {
        case .purged, .purging:
            let refused = if case .purged(let record) = found { PurgedRunText.isRefused(record, context: context) } else { true }
            // A finished run, gone (or going): exit 0, as for a finished run.
            if context.json, let json = PurgedRunText.json(found, layout: context.layout, refused: refused) {
                context.printJSON(json)
            } else {
                for line in PurgedRunText.showLines(found, layout: context.layout, refused: refused) { context.out.line(line) }
            }
            return .success
        case .record(let r, let p):
            record = r
            path = p
        case .queued(let runId, let p):
            if context.json {
                context.printJSON([
                    "runId": .string(runId), "status": .string(RunStatus.queued.rawValue), "record": .string(context.layout.relative(p)),
                ])
            } else {
                context.out.line("run \(runId): queued (\(context.layout.relative(p)); no record yet, it has not been started)")
            }
            return .success
        case .rejected(let drop):
            showRejected(drop, context: context)
            // As `status`: a drop that never became a run is no run to show.
            return .failure
        }
        if context.json {
            context.printJSON(record.json)
            return .success
        }
        let out = context.out
        out.line(
            "run       \(record.runId): \(record.status.rawValue)"
                + (record.interruption(TakeoverPolicy(reading: context.liveness, now: context.environment.clock.now())).map { " - \($0)" } ?? ""))
        out.line("record    \(context.layout.relative(path))")
        out.line(
            "workflow  \(record.workflowName)" + (record.workflowVersion.map { " (version \($0))" } ?? "")
                + (record.workflowFile.map { ", from \($0)\(record.workflowLatest ? " as it was at retry --latest" : "")" } ?? "")
                + (record.workflowSHA256.map { ", sha256 \($0)" } ?? ""))
        out.line(
            "request   \(record.requestFile), \(record.requestSize) bytes, sha256 \(record.requestSHA256.prefix(16))..., received \(Timestamp.format(record.receivedAt))"
        )
        if let retryOf = record.retryOf { out.line("retry of  \(retryOf)") }
        if !record.labels.isEmpty {
            out.line("labels    " + record.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        out.line("created   \(Timestamp.format(record.createdAt))")
        if let s = record.startedAt { out.line("started   \(Timestamp.format(s))") }
        if let f = record.finishedAt { out.line("finished  \(Timestamp.format(f))" + (record.durationMs.map { " (\($0) ms)" } ?? "")) }
        out.line("steps")
        let width = max(4, record.steps.map(\.id.count).max() ?? 4)
        var cut = false
        for step in record.steps {
            var line = "  \(step.id.padding(width))  \(step.provider.padding(9))  "
            if record.status == .waitingApproval, let approval = record.approval, approval.step == step.id {
                // Its status is `running` in the record; for people it is waiting, and its one "attempt" is the wait.
                line += "waiting    since \(Timestamp.format(approval.requestedAt))"
            } else if step.status == .skipped, let reason = step.skipReason {
                // Why it did not run, in the record's word, and what decided it (its condition, the need that did not run).
                line += "skipped    \(reason.rawValue)" + (step.skipDetail.map { ": \($0)" } ?? "")
            } else {
                line += "\(step.status.rawValue.padding(9))  \(step.attempts) attempt\(step.attempts == 1 ? "" : "s")"
                if let s = step.startedAt, let f = step.finishedAt { line += "  \(f.milliseconds(since: s)) ms" }
                // Steps of a graph that ran at the same time: those in flight as its last attempt began.
                if let beside = step.beside { line += "  beside \(beside.joined(separator: ", "))" }
                // A forEach step: how far its items are, by status.
                if let items = step.items {
                    let counts = StepStatus.allCases.compactMap { status -> String? in
                        let n = items.filter { $0.status == status }.count
                        return n == 0 ? nil : "\(n) \(status.rawValue)"
                    }
                    line += "  \(items.count) item\(items.count == 1 ? "" : "s")" + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", "))
                }
            }
            out.line(line)
            if let output = step.output {
                if full {
                    out.line("      output:")
                    out.line(indented(JSONWriter.pretty(output), by: 8))
                } else {
                    let preview = output.preview
                    cut = cut || preview != JSONWriter.compact(output)
                    out.line("      output: \(preview)")
                }
            }
            if let error = step.error { out.line("      error:  \(error.code): \(error.message)") }
            // What an exec command said on its standard error: what an operator reads first when it failed.
            if let stderr = step.stderr, !stderr.isEmpty {
                let text = stderr.hasSuffix("\n") ? String(stderr.dropLast()) : stderr
                if full {
                    out.line("      stderr:")
                    out.line(indented(text, by: 8))
                } else {
                    let first = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
                    let preview = first.count > 60 ? String(first.prefix(57)) + "..." : first
                    cut = cut || preview != text
                    out.line("      stderr: \(preview)")
                }
            }
        }
        if let output = record.output {
            if full {
                out.line("output")
                out.line(indented(JSONWriter.pretty(output), by: 2))
            } else {
                out.line("output    \(JSONWriter.compact(output))")
            }
        }
        if !record.artifacts.isEmpty {
            out.line("artifacts")
            for a in record.artifacts { out.line("  \(a.path)  \(a.size) bytes  \(a.mediaType)  (step \(a.step))") }
        }
        if let error = record.errorSummary { out.line("error     \(error)") }
        if let approval = record.approval, record.status == .waitingApproval {
            let now = context.environment.clock.now()
            out.line(
                "waiting   step '\(approval.step)' asks: \(approval.message)"
                    + (approval.expiresAt.map { " (expires \(Timestamp.format($0)))" } ?? ""))
            if let pending = PendingDecision.find(record.runId, layout: context.layout, fs: context.fs) {
                out.line("          \(pending.summary); \(pending.next)")
            } else if record.approvalExpired(now: now) {
                out.line("          expired: the run fails with approval_expired when a runner next looks (droprun watch, or droprun run --once)")
            } else {
                out.line("          answer with: droprun approve \(record.runId)   or   droprun reject \(record.runId)")
            }
        }
        if cut { out.line("(outputs cut to one line; droprun show --full \(record.runId) shows them whole)") }
        return .success
    }

    static func showRejected(_ drop: RejectedDrop, context: CommandContext) {
        if context.json {
            context.printJSON(drop.json)
            return
        }
        let out = context.out
        out.line("run       \(drop.runId): rejected (never became a run)")
        out.line("dropped   \(drop.file)" + (drop.rejectedAt.map { ", rejected \($0)" } ?? ""))
        out.line("kept      outbox/rejected/\(drop.rejectedAs)")
        out.line("reason    \(drop.reason)  (\(drop.errorFile))")
        out.line("errors")
        for line in drop.errorLines { out.line("  \(line)") }
        if drop.earlier > 0 {
            out.line("earlier   \(drop.earlier) earlier rejection\(drop.earlier == 1 ? "" : "s") of the same name, in outbox/rejected/")
        }
        out.line("next      \(drop.advice)")
    }

    /// `text` with every line indented by `width` spaces.
    static func indented(_ text: String, by width: Int) -> String {
        let pad = String(repeating: " ", count: width)
        let text = text.hasSuffix("\n") ? String(text.dropLast()) : text
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }.joined(separator: "\n")
    }
}
