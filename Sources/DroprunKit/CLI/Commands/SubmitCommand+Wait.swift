/// `droprun submit FILE --wait [--timeout S] [--json]`: a synchronous run for a script, without a server.
extension SubmitCommand {
    /// Waits for the submitted run to end and says how: its output (or, `--json`, its record) on standard output,
    /// exit 0 when it succeeded; a failed, cancelled or rejected run's reason on standard error, exit 1.
    ///
    /// A run that begins to wait for an approval is said on standard error, and
    /// waited for on; at `--timeout` the wait ends with a message of its own
    /// (the run goes on).
    static func wait(for waiter: RunEndWait, timeout: Int?, context: CommandContext) async throws -> ExitCode {
        context.err.line("droprun: submitted \(waiter.runId); waiting for it to end" + (timeout.map { " (at most \($0) s)" } ?? ""))
        let seen = await waiter.wait(timeout: timeout.map { .seconds($0) }) { record in
            let summary = record.waitingSummary(now: context.environment.clock.now(), pending: nil) ?? "it waits for an approval"
            context.err.line("droprun: \(record.runId) is waiting for an approval: \(summary); still waiting")
        }
        switch seen {
        case .ended(let record):
            if context.json {
                context.printJSON(record.json)
            } else if let output = record.output {
                context.printJSON(output)
            }
            guard record.status == .succeeded else {
                context.err.line("droprun: \(record.runId) \(record.status.rawValue): \(record.errorSummary ?? "no error was recorded")")
                return .failure
            }
            return .success
        case .rejected(let drop):
            if context.json { context.printJSON(drop.json) }
            context.err.line(
                "droprun: \(waiter.runId) was rejected (\(drop.reason)): \(drop.errorLines.joined(separator: "; ")) (see \(drop.errorFile)); \(drop.advice)"
            )
            return .failure
        case .waitingApproval, .notYet:
            throw CLIError.failed(
                "\(waiter.runId) did not end within \(timeout ?? 0) s (\(stage(waiter, context))); it goes on without this wait: see 'droprun status \(waiter.runId)'"
            )
        }
    }

    /// Where the run is, in a few words, for the timeout's message.
    private static func stage(_ waiter: RunEndWait, _ context: CommandContext) -> String {
        switch RunLocator(layout: waiter.layout, fileSystem: waiter.fileSystem).locate(waiter.runId, deep: false) {
        case .live(let record, _, _) where record.status == .waitingApproval: "it waits for an approval"
        case .live(let record, _, _): "it is \(record.status.rawValue)"
        case .result(let record, _): "it is \(record.status.rawValue)"
        case .inbox: "it is still in the inbox: no runner took it; is 'droprun watch' running for this root?"
        default: "it is running"
        }
    }
}
