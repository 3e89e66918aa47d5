import Synchronization

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
        // Runs left waiting for an approval when the pass ends: one that waits and is then approved (by a
        // control file read in the same pass) and finishes counts once, as finished.
        let waiting = WaitingRuns()
        let summary = try await Runner(context: engine).runOnce { outcome in
            out.line(describe(outcome))
            guard let runId = outcome.runId else { return }
            switch outcome.kind {
            case .waiting: waiting.note(runId, waiting: true)
            case .finished: waiting.note(runId, waiting: false)
            case .rejected, .control, .deferred: break
            }
        }
        let stillWaiting = waiting.count
        let runs = summary.count(.succeeded) + summary.count(.failed) + summary.count(.cancelled) + stillWaiting
        out.line(
            "\(runs) run\(runs == 1 ? "" : "s"): \(summary.count(.succeeded)) succeeded, \(summary.count(.failed)) failed, \(summary.count(.cancelled)) cancelled, \(stillWaiting) waiting; \(summary.rejected) rejected"
                + (summary.deferred > 0 ? "; \(summary.deferred) left for a later try" : "")
                + (summary.gc.map {
                    $0.removedAnything
                        ? "; gc purged \($0.purged.count) run\($0.purged.count == 1 ? "" : "s") (\(GCReport.sizeText($0.bytesFreed)))" : ""
                } ?? ""))
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

/// The runs of one `run --once` pass that wait for an approval, as outcomes report them.
private final class WaitingRuns: Sendable {
    private let ids = Mutex<Set<String>>([])

    func note(_ runId: String, waiting: Bool) {
        ids.withLock { ids in
            if waiting { ids.insert(runId) } else { ids.remove(runId) }
        }
    }

    var count: Int { ids.withLock { $0.count } }
}

extension String {
    /// The string padded with spaces to `width`.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
