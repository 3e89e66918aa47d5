import Foundation

/// Serves one root: takes requests from the inbox and runs them, `concurrency` at a time.
public struct Runner: Sendable {
    /// What the runner works with.
    public let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// Processes everything in the inbox, repeating until nothing is left it can take, then returns.
    ///
    /// Files that have not settled (`settleMs`) are waited for. A file this
    /// pass could not take (another runner took it, or the system refused the
    /// rename) is left alone.
    public func runOnce(onOutcome: @escaping @Sendable (RunOutcome) -> Void = { _ in }) async throws -> RunOnceSummary {
        try context.layout.createFolders(context.fileSystem)
        let scanner = InboxScanner(fileSystem: context.fileSystem, inbox: context.layout.inbox)
        let intake = Intake(context: context)
        var summary = RunOnceSummary()
        var refused: Set<String> = []
        let limit = context.configuration.concurrency

        while true {
            let candidates = try scanner.candidates().filter { !refused.contains($0.name) }
            let now = context.clock.now()
            let settled = candidates.filter { InboxScanner.isSettled($0, now: now, settleMs: context.configuration.settleMs) }
            if settled.isEmpty {
                guard let oldest = candidates.map(\.info.modified).min() else { break }
                let waitMs = max(1, context.configuration.settleMs - now.milliseconds(since: oldest))
                try await context.clock.sleep(for: .milliseconds(waitMs))
                continue
            }
            try await withThrowingTaskGroup(of: RunOutcome?.self) { group in
                var inFlight = 0
                for candidate in settled {
                    if inFlight >= limit, let finished = try await group.next() {
                        inFlight -= 1
                        if let finished { summary.outcomes.append(finished) }
                    }
                    let claimed: ClaimedFile?
                    do {
                        claimed = try intake.claim(candidate.name)
                    } catch {
                        refused.insert(candidate.name)
                        continue
                    }
                    guard let claimed else { continue }
                    inFlight += 1
                    group.addTask {
                        let outcome = try await process(claimed, intake: intake)
                        if let outcome { onOutcome(outcome) }
                        return outcome
                    }
                }
                for try await finished in group {
                    if let finished { summary.outcomes.append(finished) }
                }
            }
        }
        if context.sync { try context.audit.sync() }
        return summary
    }

    /// Turns one claimed file into a finished run, a rejection or an applied control message.
    func process(_ claimed: ClaimedFile, intake: Intake) async throws -> RunOutcome? {
        switch try intake.admit(claimed) {
        case .rejected(let rejection, _):
            return RunOutcome(kind: .rejected(rejection.reason), file: claimed.name, runId: nil, durationMs: nil,
                              detail: rejection.issues.first?.description)
        case .control(let message, let file):
            return try applyControl(message, file: file, intake: intake)
        case .run(let record, let request):
            var executor = RunExecutor(context: context, request: request, record: record)
            let final = try await executor.execute()
            return RunOutcome(kind: .finished(final.status), file: claimed.name, runId: final.runId, durationMs: final.durationMs,
                              detail: final.error?.code)
        }
    }

    /// Applies a control message, or rejects it when its run cannot take it.
    func applyControl(_ message: ControlMessage, file: ClaimedFile, intake: Intake) throws -> RunOutcome {
        let layout = context.layout
        let fs = context.fileSystem
        let rejection: Rejection
        if let bytes = try? fs.readFile(layout.result(message.runId)),
            let json = try? JSONParser.parse(bytes), let status = json["status"]?.stringValue
        {
            rejection = Rejection(.invalidState, "run '\(message.runId)' already finished (\(status)); there is nothing to \(message.verb)", path: JSONPath.root.key("runId"))
        } else if intake.existingRecord(message.runId) != nil || fs.exists(Path.join(layout.inbox, message.runId + ".json")) {
            rejection = Rejection(.invalidState, "run '\(message.runId)' is not finished, but this runner cannot yet \(message.verb) runs in progress; the message was kept in outbox/rejected/", path: JSONPath.root.key("runId"))
        } else {
            rejection = Rejection(.unknownRun, "no run '\(message.runId)' (looked in outbox/results, outbox/running, outbox/requests and inbox)", path: JSONPath.root.key("runId"))
        }
        _ = try intake.reject(file, rejection)
        return RunOutcome(kind: .rejected(rejection.reason), file: file.name, runId: message.runId, durationMs: nil, detail: rejection.issues.first?.description)
    }
}

extension ControlMessage {
    /// The action as a verb, for messages.
    var verb: String {
        switch action {
        case .approval(let approve, _, _): approve ? "approve" : "reject"
        case .cancel: "cancel"
        }
    }
}
