import Foundation

/// Executes one run: its pending steps in order, with retries, time limits and cancellation, checkpointing as it goes.
///
/// Every change of status goes through `RunRecord.apply(_:at:by:)` and
/// `StepRecord.apply(_:at:)` (the state machine), which set what goes with it
/// and return the audit events it implies; `apply` and `applyStep` record
/// them. Before each write the runner checks it still holds its lease.
struct RunExecutor {
    /// How this runner came to hold the run.
    enum Origin: Sendable {
        /// Newly accepted (status `queued`), or created by `retry`.
        case fresh
        /// Taken over from a runner that died or stopped (`previousRunner`), or released after an approval (nil).
        case takenOver(previousRunner: String?)
    }

    let context: EngineContext
    let request: RunRequest
    var record: RunRecord
    /// A file that stands for the run until its record is written (a claim, or a taken-over record).
    var placeholder: String?
    var origin: Origin = .fresh

    private var store: RecordStore { RecordStore(context: context) }

    /// True when a cancel request waits for this run.
    static func cancelRequested(_ runId: String, context: EngineContext) -> Bool {
        context.cancelBoard.isRequested(runId, folder: context.layout.cancels, fileSystem: context.fileSystem)
    }

    /// Runs every pending step, or ends the run at once when it was cancelled.
    mutating func execute() async throws -> ExecutionEnd {
        try context.ensureLease()
        // Before anything else (a cancel included): no child of a dead runner's attempt runs on beside this runner.
        let (leftovers, stillRunning) = await endLeftoverProcesses()
        if context.cancelBoard.checkDisk(record.runId, marker: context.layout.cancelMarker(record.runId), fileSystem: context.fileSystem) {
            return .finished(try await finishCancelled())
        }
        // A record whose steps are not its definition's (edited or damaged) would run one step's definition as another's.
        if record.status == .queued || record.status == .running, let mismatch = record.stepMismatch(with: request.workflow) {
            return .finished(try await failUnrunnable(StepFailure(.workflowMismatch, mismatch)))
        }
        switch record.status {
        case .queued:
            _ = try apply(.start)  // says all it says at once
        case .running:
            var previousRunner: String?
            if case .takenOver(let previous?) = origin { previousRunner = previous }
            _ = try apply(.recover(previousRunner: previousRunner, leftoverProcesses: leftovers))  // likewise
        case .waitingApproval, .succeeded, .failed, .cancelled:
            throw NotExecutable(runId: record.runId, status: record.status)
        }
        // A leftover command that could not be ended: the step is not started beside it.
        if let stuck = stillRunning.first { return .finished(try await failLeftoverRunning(stuck)) }
        if mustPublishBeforeFirstStep() { try await checkpoint() }
        return try await runSteps()
    }

    /// False for a new run whose first step cannot wait: its claim stands for it until that step's checkpoint.
    ///
    /// The record would be replaced microseconds later, and a crash in
    /// between re-admits the claim, which reruns the same step either way.
    /// A step that may wait (a command, a delay) is preceded by the record,
    /// so the run shows as `running` while it waits; a taken-over run is
    /// always published, since its record is what stands for it.
    private func mustPublishBeforeFirstStep() -> Bool {
        guard case .fresh = origin, placeholder != nil else { return true }
        guard let first = request.workflow.steps.indices.first(where: { record.steps[$0].status == .pending }) else { return true }
        return mayWait(first)
    }

    /// True unless step `index`'s provider is known to finish at once.
    private func mayWait(_ index: Int) -> Bool {
        context.registry.provider(named: request.workflow.steps[index].provider)?.mayWait ?? true
    }

    /// The claim file that stands for a new run until its live record is written, by name in this runner's claim folder.
    private var standingClaim: String? {
        guard case .fresh = origin else { return nil }
        return placeholder.map(Path.name)
    }

    /// Applies a run transition at this moment for this runner and records the events it says at once; returns
    /// those to record once the record it leads to is written.
    mutating func apply(_ transition: RunTransition) throws -> [AuditEvent] {
        let events = try record.apply(transition, at: context.clock.now(), by: context.identity)
        try context.record(events.now, runId: record.runId)
        return events.afterWrite
    }

    /// Applies a transition of step `index` at this moment and records the event it implies.
    ///
    /// - Parameter deferEvent: return the event instead of recording it (the caller records it once the record that
    ///   holds the transition is written).
    @discardableResult
    mutating func applyStep(_ index: Int, _ transition: StepTransition, deferEvent: Bool = false) throws -> AuditEvent? {
        try apply(transition, at: StepSlot(step: index), deferEvent: deferEvent)
    }

    /// Applies a transition of the step or item at `slot` (see `applyStep`).
    ///
    /// - Parameter beside: for an attempt that begins (`start`, `retry`), the steps of the run in flight as it does
    ///   (kept in the record and said in its `step.started`); none for a line.
    @discardableResult
    mutating func apply(_ transition: StepTransition, at slot: StepSlot, beside: [String] = [], deferEvent: Bool = false) throws -> AuditEvent? {
        guard var event = try record[slot].apply(transition, at: context.clock.now()) else { return nil }
        if transition == .start || transition == .retry {
            record[slot].beside = beside.isEmpty ? nil : beside
            if case .stepStarted(let step, let provider, let attempt, _) = event, !beside.isEmpty {
                event = .stepStarted(step: step, provider: provider, attempt: attempt, beside: beside)
            }
        }
        if deferEvent { return event }
        try context.record(event, runId: record.runId)
        return nil
    }

    /// Writes the live record (durable in strict mode before the run goes on), then drops the placeholder it replaces.
    ///
    /// With `logOnly` (the next step finishes at once), the state goes to the
    /// runner's checkpoint log instead, and the live record (or the claim) stays as it is.
    mutating func checkpoint(settle: Bool = true, logOnly: Bool = false) async throws {
        try context.ensureLease()
        if logOnly {
            try await store.log(record, claim: standingClaim, settle: settle)
            return
        }
        try await store.checkpoint(record, settle: settle, replacing: placeholder == nil, claim: standingClaim)
        if let placeholder {
            try? context.fileSystem.remove(placeholder)
            self.placeholder = nil
        }
    }

    /// Publishes the run as waiting for its approval (no runner holds it meanwhile) and says so in the audit log.
    ///
    /// A cancel accepted while the run was on its way here found no waiting
    /// record to end (the run was executing, or being taken over), so the
    /// marker is looked for once the record is published: if there is one,
    /// this executor takes the record back and cancels the run itself, as a
    /// cancel of a waiting run would (see `takeBackToCancel()`).
    ///
    /// - Parameter transition: `awaitApproval` for a run that reaches its approval step, `publishWaiting` for one
    ///   taken over as it began to wait.
    mutating func beginWaiting(_ transition: RunTransition) async throws -> ExecutionEnd {
        let published = try apply(transition)
        try await checkpoint()
        try context.record(published, runId: record.runId)
        context.notifier.announce(.waitingApproval, record: record, workflow: request.workflow, context: context)
        if context.cancelBoard.checkDisk(record.runId, marker: context.layout.cancelMarker(record.runId), fileSystem: context.fileSystem),
            takeBackToCancel()
        {
            // A dead runner's command may still run for this run (its group in the record): it is ended before the run is.
            _ = await endLeftoverProcesses()
            return .finished(try await finishCancelled())
        }
        return .waiting(record)
    }

    private mutating func runSteps() async throws -> ExecutionEnd {
        let clock = context.clock
        let timeoutSeconds = request.timeoutSeconds ?? Double(context.configuration.runTimeoutSeconds)
        let deadline = (record.startedAt ?? clock.now()).addingTimeInterval(timeoutSeconds + Double(record.waitedMs) / 1000)
        let artifacts = RunArtifactWriter(context: context, runId: record.runId, existing: record.artifacts)
        var outputs: [String: JSONValue] = [:]
        for step in record.steps where step.status == .succeeded { outputs[step.id] = step.output ?? .null }
        // A workflow with needs, conditions or onFailure steps runs by its graph; a line keeps the path it always had.
        if !request.workflow.isLine { return try await runGraph(outputs: outputs, deadline: deadline, artifacts: artifacts) }

        for (index, definition) in request.workflow.steps.enumerated() where record.steps[index].status == .pending {
            let outcome = try await runStep(index: index, definition: definition, outputs: outputs, deadline: deadline, artifacts: artifacts)
            record.artifacts = artifacts.written
            switch outcome {
            case .succeeded(let output):
                outputs[definition.id] = output
                // Before an instant step, the checkpoint log holds the new state; before one that may wait, the live record.
                // Strict: settled (flushed before going on) when the step that ended or the next one may wait:
                // only instant steps ever run again after a power cut.
                if index < request.workflow.steps.count - 1 {
                    let nextMayWait = mayWait(index + 1)
                    try await checkpoint(settle: mayWait(index) || nextMayWait, logOnly: !nextMayWait)
                }
            case .failed(let failure):
                return .finished(try await finish(.fail(failure, step: definition.id)))
            case .cancelled:
                return .finished(try await finishCancelled())
            case .waiting(let request):
                return try await beginApproval(definition, request)
            case .interrupted:
                try applyStep(index, .interrupt)
                try await checkpoint()
                return .interrupted(record)
            }
        }
        return .finished(try await finish(.succeed))
    }

    /// Publishes the run as waiting at approval step `definition`, which asked for `request`.
    mutating func beginApproval(_ definition: StepDefinition, _ request: AwaitingApproval) async throws -> ExecutionEnd {
        let now = context.clock.now()
        let approval = PendingApproval(
            step: definition.id, message: request.message, requestedAt: now,
            expiresAt: request.expiresAfterSeconds.map { now.addingTimeInterval(Double($0)) })
        return try await beginWaiting(.awaitApproval(approval))
    }

    /// Ends the run with a final transition (`succeed`, `fail`, `failUnrunnable`, `cancel`, `reject`, `expire`) and writes the result.
    mutating func finish(_ transition: RunTransition) async throws -> RunRecord {
        let ended = try apply(transition)
        return try await writeResult(ended)
    }

    /// Ends the run as `cancelled`: a running step fails with `cancelled`, pending steps are skipped.
    mutating func finishCancelled() async throws -> RunRecord {
        try await finish(.cancel(by: cancelledBy()))
    }

    private func cancelledBy() -> String? {
        guard let bytes = try? context.fileSystem.readFile(context.layout.cancelMarker(record.runId)),
            let json = try? JSONParser.parse(bytes)
        else { return nil }
        return json["by"]?.stringValue
    }

    /// Writes the result (the commit point), then the audit event that says the run ended, then the run's index line.
    ///
    /// The event comes after the result, so no event ever claims a finish that
    /// did not happen; a crash between the two leaves a result whose final
    /// event is missing, never the reverse.
    /// The result names the runner that wrote it (the final transition set it: a run ended by an approval or a
    /// cancel while waiting had none).
    private mutating func writeResult(_ ended: [AuditEvent]) async throws -> RunRecord {
        try context.ensureLease()
        try await store.finish(record)
        try context.record(ended, runId: record.runId)
        // Before what stands for the run goes: at every moment a finished run is in the index or has its live record
        // (or claim) beside its result, from which recovery repairs a missing line.
        context.appendIndexLine(record)
        context.activity.finished(record, at: context.clock.now())
        context.notifier.announce(.finished, record: record, workflow: request.workflow, context: context)
        // A placeholder still standing means no live record was written.
        if placeholder == nil { try store.removeLive(record.runId) }
        if let placeholder {
            try? context.fileSystem.remove(placeholder)
            self.placeholder = nil
        }
        // A cancel that arrived too late to matter is done with too (one dropped by another process in the last
        // moment may stay: a marker for a finished run is never read again).
        if record.status == .cancelled || Self.cancelRequested(record.runId, context: context) {
            try? context.fileSystem.remove(context.layout.cancelMarker(record.runId))
            context.cancelBoard.forget(record.runId)
        }
        return record
    }

    /// How one step ended.
    enum StepEnd {
        case succeeded(JSONValue)
        case failed(StepFailure)
        case cancelled
        case waiting(AwaitingApproval)
        case interrupted
    }

    /// Runs one step to success or final failure, retrying retryable failures with backoff.
    mutating func runStep(
        index: Int, definition: StepDefinition, outputs: [String: JSONValue], deadline: Date, artifacts: RunArtifactWriter,
        runError: JSONValue? = nil
    ) async throws -> StepEnd {
        guard let provider = context.registry.provider(named: definition.provider) else {
            return try fail(index, StepFailure(.providerError, "provider '\(definition.provider)' is not registered in this runner"))
        }
        while true {
            let attempt = try beginAttempt(
                StepSlot(step: index), item: nil, provider: provider, outputs: outputs, deadline: deadline, artifacts: artifacts,
                runError: runError, childStarted: nil)
            // The attempt is counted where a runner taking over looks first (one line appended; `exec` also
            // writes its record, with the child, before the command starts).
            if provider.mayWait, placeholder == nil { try await logAttempt() }
            let result = await attempt.run()
            switch try endAttempt(attempt, result, deadline: deadline) {
            case .ended(let end):
                return end
            case .retry(let delay):
                // A run whose claim still stands for it (its first step failed at once), or whose newest state is only in the
                // checkpoint log, shows as it is while it waits.
                // After a command (which the live record names while it runs), the record without it is written
                // before the wait: a runner taking over during the backoff never signals a process that ended.
                if placeholder != nil || context.checkpointLog.isAhead(record.runId) || (provider.mayWait && placeholder == nil) {
                    try await checkpoint()
                }
                switch await StepAttempt.backoff(delay, runId: record.runId, context: context) {
                case .ready: continue
                case .cancelled: return .cancelled
                case .interrupted: return .interrupted
                }
            }
        }
    }

    /// Begins an attempt of the step or item at `slot` (its `start`, or `retry`, transition) and returns it, ready to
    /// run (`item`: the item's value, for `{{item}}`).
    ///
    /// - Parameter childStarted: what the attempt calls once its command's child started; nil: the record as the
    ///   attempt began, with the child, is written (see `childRecorder`).
    mutating func beginAttempt(
        _ slot: StepSlot, item: JSONValue?, provider: any Provider, outputs: [String: JSONValue], deadline: Date, artifacts: RunArtifactWriter,
        runError: JSONValue?, childStarted: (@Sendable (ProcessIdentity) async throws -> Void)?, beside: [String] = [],
        defersStartEvent: Bool = false
    ) throws -> StepAttempt {
        let index = slot.step
        let definition = request.workflow.steps[index]
        // A runner that lost its lease (it was paused) starts nothing more for the run.
        try context.ensureLease()
        let started = try apply(record[slot].status == .pending ? .start : .retry, at: slot, beside: beside, deferEvent: defersStartEvent)
        var stepContext = StepContext(
            runId: record.runId, stepId: record[slot].id, attempt: record[slot].attempts, clock: context.clock,
            configuration: context.configuration, artifacts: artifacts)
        stepContext.withPath = JSONPath.root.key("workflow").key("steps").index(index).key("with")
        stepContext.launcher = context.launcher
        stepContext.environment = context.environment
        stepContext.http = context.http
        stepContext.childStarted = childStarted ?? Self.childRecorder(record, step: index, published: placeholder == nil, context: context)
        var attempt = StepAttempt(
            slot: slot, definition: definition, provider: provider, context: stepContext, engine: context,
            resolver: ReferenceResolver(
                runId: record.runId, input: request.input, stepOutputs: outputs, item: item, index: slot.item, error: runError),
            deadline: deadline, runLimitSeconds: request.timeoutSeconds ?? Double(context.configuration.runTimeoutSeconds))
        attempt.startEvent = started
        return attempt
    }

    /// What comes after an attempt: the step's end, or another attempt after a backoff.
    enum AttemptNext {
        case ended(StepEnd)
        case retry(afterMs: Int)
    }

    /// Applies how `attempt` ended (`succeed` or, when it is not tried again, `fail`) and says what comes next.
    ///
    /// A retry is said in the audit (`step.retry`, not a transition: the step stays running until its next attempt).
    mutating func endAttempt(_ attempt: StepAttempt, _ result: StepAttempt.Result, deadline: Date) throws -> AttemptNext {
        let slot = attempt.slot
        let definition = attempt.definition
        if let text = attempt.context.log.contents { record[slot].stderr = text }
        let failure: StepFailure
        switch result {
        case .output(let output):
            try apply(.succeed(output: output, durationMs: context.clock.now().milliseconds(since: attempt.start)), at: slot)
            return .ended(.succeeded(output))
        case .waiting(let approval): return .ended(.waiting(approval))
        case .cancelled: return .ended(.cancelled)
        case .interrupted: return .ended(.interrupted)
        case .thrown(let error): throw error
        case .failure(let stepFailure): failure = stepFailure
        }
        let number = record[slot].attempts
        guard failure.retryable, number < definition.retry.maxAttempts, failure.code != .runTimeout else {
            try apply(.fail(failure), at: slot)
            return .ended(.failed(failure))
        }
        // The other side's `Retry-After` is waited out when it is longer than the step's own backoff.
        let delay = max(definition.retry.delayMs(afterAttempt: number), failure.retryAfterMs ?? 0)
        let remainingMs = Int((deadline.timeIntervalSince(context.clock.now()) * 1000).rounded(.down))
        guard delay < remainingMs else {
            let timedOut = StepFailure(
                .runTimeout, "the run's time ran out before retry \(number + 1) of step '\(record[slot].id)' (last error: \(failure.code))")
            try apply(.fail(timedOut), at: slot)
            return .ended(.failed(timedOut))
        }
        try context.record(.stepRetry(step: record[slot].id, attempt: number, failure, delayMs: delay), runId: record.runId)
        return .retry(afterMs: delay)
    }

    /// The failure of an attempt cut short by the run's time limit of `seconds`.
    static func runTimeout(seconds: Double) -> StepFailure {
        StepFailure(.runTimeout, "the run ran longer than its \(JSONWriter.compact(.double(seconds))) s limit")
    }

    mutating func fail(_ index: Int, _ failure: StepFailure) throws -> StepEnd {
        try applyStep(index, .fail(failure))
        return .failed(failure)
    }
}
