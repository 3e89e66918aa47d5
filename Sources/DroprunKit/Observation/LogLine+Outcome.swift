import Foundation

extension LogLine {
    /// The line that says what became of a dropped file: the words `run --once` and `watch` have always printed.
    ///
    /// A succeeded run is `info`, a cancelled one and a deferred file
    /// `warning`, a failed run and a rejected file `error` (what `--quiet` keeps).
    public init(_ outcome: RunOutcome, at: Date) {
        let message = Self.words(outcome)
        switch outcome.kind {
        case .finished(let status):
            let level: LogLevel =
                switch status {
                case .failed: .error
                case .cancelled: .warning
                default: .info
                }
            self.init(
                at: at, event: .runFinished, level: level, message: message, runId: outcome.runId, status: status.rawValue,
                durationMs: outcome.durationMs, error: outcome.detail, file: outcome.file)
        case .rejected(let reason):
            self.init(at: at, event: .runRejected, message: message, runId: outcome.runId, error: reason.rawValue, file: outcome.file)
        case .control:
            self.init(at: at, event: .controlApplied, message: message, runId: outcome.runId, file: outcome.file)
        case .deferred:
            self.init(at: at, event: .runDeferred, message: message, runId: outcome.runId, file: outcome.file)
        case .waiting:
            self.init(
                at: at, event: .runWaiting, message: message, runId: outcome.runId, status: RunStatus.waitingApproval.rawValue,
                file: outcome.file)
        }
    }

    /// The words for an outcome: `succeeded invoice-1  12 ms`, `rejected  x.json: invalid_json - ...`.
    static func words(_ outcome: RunOutcome) -> String {
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
