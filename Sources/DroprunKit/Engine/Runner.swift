import Foundation

/// Serves one root: takes requests from the inbox, resumes what dead runners left, and runs them, `concurrency` at a time.
public struct Runner: Sendable {
    /// What the runner works with.
    public let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    var intake: Intake { Intake(context: context) }
    var recovery: Recovery { Recovery(context: context) }

    /// Processes everything in the inbox and every run it can resume, repeating until nothing it can do is left.
    ///
    /// Files that have not settled (`settleMs`) are waited for. A file this
    /// pass could not take (another runner took it, or the system refused the
    /// rename) is left alone. Runs that an approval it read made resumable are
    /// resumed before it returns.
    public func runOnce(onOutcome: @escaping @Sendable (RunOutcome) -> Void = { _ in }) async throws -> RunOnceSummary {
        try context.layout.createFolders(context.fileSystem)
        let heartbeat = context.heartbeat
        try heartbeat.start(mode: "once", startedAt: context.clock.now(), concurrency: context.configuration.concurrency)
        defer { heartbeat.stop() }
        let scanner = InboxScanner(fileSystem: context.fileSystem, inbox: context.layout.inbox)
        var summary = RunOnceSummary()
        var refused: Set<String> = []

        while true {
            var work = try recovery.scan()
            let candidates = try scanner.candidates().filter { !refused.contains($0.name) }
            let now = context.clock.now()
            let settled = candidates.filter { InboxScanner.isSettled($0, now: now, settleMs: context.configuration.settleMs) }
            for candidate in settled {
                do {
                    if let claimed = try intake.claim(candidate.name) { work.append(.claimed(claimed)) }
                } catch {
                    refused.insert(candidate.name)
                }
            }
            if work.isEmpty {
                guard let oldest = candidates.map(\.info.modified).min() else { break }
                let waitMs = max(1, context.configuration.settleMs - now.milliseconds(since: oldest))
                try await context.clock.sleep(for: .milliseconds(waitMs))
                continue
            }
            let outcomes = try await perform(work, onOutcome: onOutcome)
            summary.outcomes.append(contentsOf: outcomes)
        }
        if context.sync { try context.audit.sync() }
        return summary
    }

    /// Performs work items, at most `concurrency` at once.
    func perform(_ work: [Work], onOutcome: @escaping @Sendable (RunOutcome) -> Void) async throws -> [RunOutcome] {
        let limit = context.configuration.concurrency
        var outcomes: [RunOutcome] = []
        try await withThrowingTaskGroup(of: RunOutcome?.self) { group in
            var inFlight = 0
            for item in work {
                if inFlight >= limit, let finished = try await group.next() {
                    inFlight -= 1
                    if let finished { outcomes.append(finished) }
                }
                inFlight += 1
                group.addTask {
                    let outcome = try await perform(item)
                    if let outcome { onOutcome(outcome) }
                    return outcome
                }
            }
            for try await finished in group {
                if let finished { outcomes.append(finished) }
            }
        }
        return outcomes
    }

    /// Performs one work item to its end (or to a wait, or to an interruption).
    func perform(_ item: Work) async throws -> RunOutcome? {
        switch item {
        case .claimed(let claimed):
            switch try intake.admit(claimed) {
            case .rejected(let rejection, _):
                return RunOutcome(kind: .rejected(rejection.reason), file: claimed.name, runId: nil, durationMs: nil,
                                  detail: rejection.issues.first?.description)
            case .control(let message, let file):
                return try ControlDesk(context: context, intake: intake).apply(message, file: file)
            case .nothing:
                return nil
            case .run(let record, let request, let claimPath):
                var executor = RunExecutor(context: context, request: request, record: record, placeholder: claimPath, origin: .fresh)
                return outcome(try await executor.execute(), file: claimed.name)
            }
        case .takeover(let runId, let path, let previous):
            guard let loaded = RunLoader(context: context).load(runId: runId, recordPath: path) else {
                try? context.fileSystem.rename(path, to: context.layout.runningRecord(runId))
                return nil
            }
            var executor = RunExecutor(context: context, request: loaded.request, record: loaded.record, placeholder: path,
                                       origin: .takenOver(previousRunner: previous))
            if loaded.record.status == .waitingApproval {
                let final = try executor.expireApproval()
                return RunOutcome(kind: .finished(final.status), file: final.requestFile, runId: runId, durationMs: final.durationMs, detail: final.error?.code)
            }
            if let problem = loaded.problem {
                let step = loaded.record.steps.first { $0.status != .succeeded }?.id ?? loaded.record.steps.last?.id ?? ""
                if executor.record.status == .queued { try executor.record.apply(.start) }
                for index in executor.record.steps.indices where executor.record.steps[index].status == .running {
                    try executor.record.steps[index].apply(.interrupt)
                }
                let final = try executor.finish(failure: (StepFailure(.providerError, problem), step))
                return RunOutcome(kind: .finished(final.status), file: final.requestFile, runId: runId, durationMs: final.durationMs, detail: final.error?.code)
            }
            return outcome(try await executor.execute(), file: loaded.record.requestFile)
        }
    }

    private func outcome(_ end: ExecutionEnd, file: String) -> RunOutcome? {
        switch end {
        case .finished(let record):
            return RunOutcome(kind: .finished(record.status), file: file, runId: record.runId, durationMs: record.durationMs, detail: record.error?.code)
        case .waiting(let record):
            return RunOutcome(kind: .waiting, file: file, runId: record.runId, durationMs: nil, detail: record.approval?.message)
        case .interrupted:
            return nil
        }
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
