/// `droprun run --once`: drains the inbox and exits.
enum RunCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        guard context.parsed.flag("once") else {
            throw CLIError.usage("'droprun run' needs --once (process the inbox, then exit). See 'droprun run --help'.")
        }
        let configuration = try context.configuration()
        let engine = context.engine(configuration)
        defer { engine.audit.close() }
        let out = context.out
        let summary = try await Runner(context: engine).runOnce { outcome in
            out.line(describe(outcome))
        }
        let finished = summary.count(.succeeded) + summary.count(.failed) + summary.count(.cancelled)
        out.line("\(finished) run\(finished == 1 ? "" : "s"): \(summary.count(.succeeded)) succeeded, \(summary.count(.failed)) failed, \(summary.count(.cancelled)) cancelled; \(summary.rejected) rejected"
                 + (summary.deferred > 0 ? "; \(summary.deferred) left for a later try" : ""))
        return summary.allSucceeded ? .success : .failure
    }

    static func describe(_ outcome: RunOutcome) -> String {
        switch outcome.kind {
        case .finished(let status):
            var text = "\(status.rawValue.padding(9)) \(outcome.runId ?? outcome.file)"
            if let ms = outcome.durationMs { text += "  \(ms) ms" }
            if let detail = outcome.detail { text += "  (\(detail))" }
            return text
        case .rejected(let reason):
            return "rejected  \(outcome.file): \(reason.rawValue)" + (outcome.detail.map { " - \($0)" } ?? "")
        case .control:
            return "applied   \(outcome.file)" + (outcome.detail.map { ": \($0)" } ?? "") + (outcome.runId.map { " (run \($0))" } ?? "")
        case .deferred:
            return "deferred  \(outcome.file)" + (outcome.detail.map { ": \($0)" } ?? "")
        case .waiting:
            return "waiting   \(outcome.runId ?? outcome.file)  (approval: \(outcome.detail ?? ""); droprun approve|reject \(outcome.runId ?? ""))"
        }
    }
}

extension String {
    /// The string padded with spaces to `width`.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
