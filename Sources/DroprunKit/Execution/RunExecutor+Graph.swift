import Foundation

/// A workflow that names `needs`, `when`, `forEach` or `onFailure` steps, run by its graph, up to
/// `maxParallelSteps` attempts at once.
///
/// A step is ready when its needs have all ended; ready steps start in list
/// order while fewer than the limit are in flight. One whose `when` does not
/// hold, or (without a `when`) one of whose needs was skipped, is skipped with
/// the reason, and the steps after it decide for themselves. A `forEach` step
/// runs once per item (see `RunExecutor+Items`), each item an attempt of its
/// own within the same limit. Each attempt runs in a task of its own
/// (`StepAttempt`); this executor alone applies their transitions to the
/// record, and checkpoints once per batch of ends (the live record while an
/// attempt that may wait is in flight, else the checkpoint log), before the
/// attempts that batch lets start begin, so a run taken over after a crash
/// runs again only what was in flight.
///
/// When a step fails, no more of the run's steps start; those in flight end
/// as they will (nothing is cut short), then the `onFailure` steps run (they
/// see `{{run.error}}`), and the run fails with the first failure. A cancel
/// cuts everything in flight short; an approval asked for waits until the
/// steps in flight have ended.
extension RunExecutor {
    mutating func runGraph(outputs start: [String: JSONValue], deadline: Date, artifacts: RunArtifactWriter) async throws -> ExecutionEnd {
        let steps = request.workflow.steps
        let graph = StepGraph(request.workflow)
        var outputs = start
        // A run that failed before it was taken over goes on with its onFailure steps.
        var failure = record.steps.indices.first { !graph.isOnFailure[$0] && record.steps[$0].status == .failed }.map { index in
            (record.steps[index].error ?? StepFailure(.providerError, "step '\(steps[index].id)' failed"), steps[index].id)
        }
        if failure == nil {
            var phase = GraphPhase(graph: graph, onFailure: false, runError: nil, deadline: deadline, artifacts: artifacts)
            if let end = try await run(&phase, outputs: &outputs) { return end }
            failure = phase.firstFailure
        }
        guard let (runFailure, failedStep) = failure else { return .finished(try await finish(.succeed)) }
        var phase = GraphPhase(graph: graph, onFailure: true, runError: runFailure.json(step: failedStep), deadline: deadline, artifacts: artifacts)
        // A failure here is in its step's record; the run fails with the failure that started the onFailure steps.
        if let end = try await run(&phase, outputs: &outputs) { return end }
        return .finished(try await finish(.fail(runFailure, step: failedStep)))
    }

    /// The steps of one phase (the run's, or its onFailure steps) and where they are.
    struct GraphPhase {
        /// Why the phase stops starting steps, besides a failure.
        enum Stop {
            case cancelled
            case interrupted
            case approval(index: Int, AwaitingApproval)
        }

        let graph: StepGraph
        let onFailure: Bool
        let runError: JSONValue?
        let deadline: Date
        let artifacts: RunArtifactWriter
        let mailbox = StepMailbox()
        /// The attempts in flight (running, or in a backoff before the next), each with whether it may wait.
        var inFlight: [StepSlot: Bool] = [:]
        /// The first of the run's steps that failed (the onFailure phase keeps none).
        var firstFailure: (StepFailure, String)?
        /// forEach steps one of whose items failed for good: no more of their items start (the first such item).
        var failedItems: [Int: (item: Int, StepFailure)] = [:]
        var stop: Stop?
        /// What ends the run's execution here (a lost lease, a record that could not be written).
        var abort: (any Error)?
        /// Attempts begun, to start once the checkpoint that counts them is written.
        var toStart: [StepAttempt] = []
        /// Backoffs to begin (where, delay in ms).
        var toWait: [(StepSlot, Int)] = []
        /// The items of the forEach steps opened in this phase, by step.
        var items: [Int: [JSONValue]] = [:]
        /// Events to record once the batch's checkpoint is written (a forEach step's start).
        var events: [AuditEvent] = []
        /// Answers owed to commands waiting to be recorded.
        var replies: [CheckedContinuation<Void, any Error>] = []
        /// True when the record changed since its last checkpoint; `settle` when an attempt that may wait ended.
        var changed = false
        var settle = false

        init(graph: StepGraph, onFailure: Bool, runError: JSONValue?, deadline: Date, artifacts: RunArtifactWriter) {
            self.graph = graph
            self.onFailure = onFailure
            self.runError = runError
            self.deadline = deadline
            self.artifacts = artifacts
        }

        /// True while ready steps (and items) may start.
        var starts: Bool { stop == nil && abort == nil && (onFailure || firstFailure == nil) }

        /// The ids in flight but `slot`, as a `beside` list.
        func beside(_ slot: StepSlot, in record: RunRecord) -> [String] {
            inFlight.keys.filter { $0 != slot }.sorted().map { record[$0].id }
        }
    }

    /// Runs one phase's steps until none is left it can start and none is in flight; the run's end when the phase
    /// ended it (a cancel, an interruption, an approval), nil when the run goes on (`phase.firstFailure` says how).
    private mutating func run(_ phase: inout GraphPhase, outputs: inout [String: JSONValue]) async throws -> ExecutionEnd? {
        let limit = request.workflow.maxParallelSteps ?? context.configuration.maxParallelSteps
        await withTaskGroup(of: Void.self) { group in
            while true {
                if phase.abort == nil {
                    do {
                        if phase.starts {
                            try startItems(&phase, outputs: outputs, limit: limit)
                            try startReady(&phase, outputs: &outputs, limit: limit)
                        }
                        try await checkpointPhase(&phase)
                        // Said once the record that counts them is written: the audit never shows a step begun
                        // before the end of what it needs is on disk.
                        try context.record(phase.events + phase.toStart.compactMap(\.startEvent), runId: record.runId)
                        phase.events = []
                    } catch {
                        phase.abort = error
                        group.cancelAll()
                    }
                }
                answerRecorded(&phase)
                spawn(&phase, into: &group)
                if phase.inFlight.isEmpty { return }
                for message in await phase.mailbox.takeAll() {
                    take(message, in: &phase, outputs: &outputs, group: &group)
                }
            }
        }
        if let abort = phase.abort { throw abort }
        try settleUnfinishedItems(phase)
        switch phase.stop {
        case .cancelled?:
            return .finished(try await finishCancelled())
        case .interrupted?:
            try await checkpoint()
            return .interrupted(record)
        case .approval(let index, let approval)?:
            // A step of the run failed beside it: the approval is not asked for (the run fails).
            if phase.firstFailure != nil {
                try applyStep(index, .interrupt)
                return nil
            }
            return try await beginApproval(request.workflow.steps[index], approval)
        case nil:
            return nil
        }
    }

    /// Begins the attempts of the steps that are ready, up to `limit` in flight; skips those that must be, and
    /// opens the forEach steps among them (their items start in `startItems`).
    private mutating func startReady(_ phase: inout GraphPhase, outputs: inout [String: JSONValue], limit: Int) throws {
        while phase.starts, phase.inFlight.count < limit, let index = nextStep(phase) {
            if try skipIfItMust(index, phase, outputs: outputs) {
                phase.changed = true
                continue
            }
            let definition = request.workflow.steps[index]
            guard let provider = context.registry.provider(named: definition.provider) else {
                let failure = StepFailure(.providerError, "provider '\(definition.provider)' is not registered in this runner")
                _ = try fail(index, failure)
                phase.changed = true
                try ended(index, .failed(failure), in: &phase, outputs: &outputs)
                continue
            }
            phase.changed = true
            if let spec = definition.forEach {
                if let end = try openItems(index, spec, phase: &phase, outputs: outputs) { try ended(index, end, in: &phase, outputs: &outputs) }
                try startItems(&phase, outputs: outputs, limit: limit)
                continue
            }
            try launch(StepSlot(step: index), provider: provider, in: &phase, outputs: outputs)
        }
    }

    /// Begins an attempt at `slot` (a step's first or next, or an item's) among the phase's steps in flight, to
    /// start once the batch's checkpoint is written; its `step.started` waits for that checkpoint too.
    mutating func launch(_ slot: StepSlot, provider: any Provider, in phase: inout GraphPhase, outputs: [String: JSONValue]) throws {
        let attempt = try beginAttempt(
            slot, item: slot.item.flatMap { phase.items[slot.step]?[$0] }, provider: provider, outputs: outputs, deadline: phase.deadline,
            artifacts: phase.artifacts, runError: phase.runError, childStarted: phase.mailbox.childRecorder(slot),
            beside: phase.beside(slot, in: record), defersStartEvent: true)
        phase.inFlight[slot] = provider.mayWait
        phase.toStart.append(attempt)
        phase.changed = true
    }

    /// Writes what changed in this batch before the attempts it began start: the live record while an attempt that
    /// may wait is in flight (people see the run as it waits; a command is named in it before it runs), else the
    /// checkpoint log. Nothing is written when nothing is in flight: the phase is over, and what follows writes.
    private mutating func checkpointPhase(_ phase: inout GraphPhase) async throws {
        if !phase.replies.isEmpty {
            try await checkpoint(settle: true)
        } else if phase.changed, !phase.inFlight.isEmpty {
            let mayWait = phase.inFlight.values.contains(true)
            try await checkpoint(settle: mayWait || phase.settle, logOnly: !mayWait)
        }
        phase.changed = false
        phase.settle = false
    }

    /// Answers the commands that waited to be named in the record (with the error that stopped it, if one did).
    private func answerRecorded(_ phase: inout GraphPhase) {
        for reply in phase.replies {
            if let abort = phase.abort { reply.resume(throwing: AttemptNotRecorded(underlying: abort)) } else { reply.resume() }
        }
        phase.replies = []
    }

    /// Starts the attempts and backoffs of the batch in tasks of their own (none once the phase is aborted).
    private func spawn(_ phase: inout GraphPhase, into group: inout TaskGroup<Void>) {
        let mailbox = phase.mailbox
        if phase.abort != nil {
            for attempt in phase.toStart { phase.inFlight[attempt.slot] = nil }
            for (slot, _) in phase.toWait { phase.inFlight[slot] = nil }
        } else {
            for attempt in phase.toStart { group.addTask { mailbox.post(.ended(attempt, await attempt.run())) } }
            let runId = record.runId
            let engine = context
            for (slot, delay) in phase.toWait {
                group.addTask { mailbox.post(.backoffEnded(slot, await StepAttempt.backoff(delay, runId: runId, context: engine))) }
            }
        }
        phase.toStart = []
        phase.toWait = []
    }

    /// Applies one message of a step task to the record.
    private mutating func take(
        _ message: StepMailbox.Message, in phase: inout GraphPhase, outputs: inout [String: JSONValue], group: inout TaskGroup<Void>
    ) {
        let wasCancelled: Bool = {
            if case .cancelled? = phase.stop { return true }
            return false
        }()
        do {
            switch message {
            case .childStarted(let slot, let child, let reply):
                record[slot].process = child
                phase.replies.append(reply)
            case .ended(let attempt, let result):
                let slot = attempt.slot
                record[slot].process = nil
                phase.changed = true
                phase.settle = phase.settle || attempt.provider.mayWait
                switch try endAttempt(attempt, result, deadline: phase.deadline) {
                case .retry(let delay):
                    phase.toWait.append((slot, delay))
                case .ended(let end):
                    phase.inFlight[slot] = nil
                    try ended(slot, end, in: &phase, outputs: &outputs)
                }
            case .backoffEnded(let slot, let end):
                switch end {
                case .ready:
                    // The next attempt begins, as it would have alone (it keeps its place among those in flight).
                    let definition = request.workflow.steps[slot.step]
                    guard phase.abort == nil, let provider = context.registry.provider(named: definition.provider) else {
                        phase.inFlight[slot] = nil
                        return
                    }
                    try launch(slot, provider: provider, in: &phase, outputs: outputs)
                case .cancelled:
                    phase.inFlight[slot] = nil
                    try ended(slot, .cancelled, in: &phase, outputs: &outputs)
                case .interrupted:
                    phase.inFlight[slot] = nil
                    try ended(slot, .interrupted, in: &phase, outputs: &outputs)
                }
            }
        } catch {
            if case .ended(let attempt, _) = message { phase.inFlight[attempt.slot] = nil }
            if case .backoffEnded(let slot, _) = message { phase.inFlight[slot] = nil }
            if phase.abort == nil { phase.abort = error }
            group.cancelAll()
        }
        // The run is cancelled: everything in flight is cut short.
        if !wasCancelled, case .cancelled? = phase.stop { group.cancelAll() }
    }

    /// What the end of the attempt at `slot` (a step's, or an item's) means for the phase.
    private mutating func ended(_ slot: StepSlot, _ end: StepEnd, in phase: inout GraphPhase, outputs: inout [String: JSONValue]) throws {
        if slot.item != nil {
            try itemEnded(slot, end, in: &phase, outputs: &outputs)
        } else {
            try ended(slot.step, end, in: &phase, outputs: &outputs)
        }
    }

    /// What the end of step `index` means for the phase.
    mutating func ended(_ index: Int, _ end: StepEnd, in phase: inout GraphPhase, outputs: inout [String: JSONValue]) throws {
        record.artifacts = phase.artifacts.written
        let id = request.workflow.steps[index].id
        switch end {
        case .succeeded(let output):
            outputs[id] = output
        case .failed(let failure):
            if !phase.onFailure, phase.firstFailure == nil { phase.firstFailure = (failure, id) }
        case .cancelled:
            // A cancel wins over a stop.
            phase.stop = .cancelled
        case .interrupted:
            try applyStep(index, .interrupt)
            if case .cancelled? = phase.stop {} else { phase.stop = .interrupted }
        case .waiting(let approval):
            // One approval at a time: a second step that asks for one runs again once the first is decided.
            if phase.stop == nil {
                phase.stop = .approval(index: index, approval)
            } else {
                try applyStep(index, .interrupt)
            }
        }
    }

    /// The first pending step of the phase whose needs have all ended.
    private func nextStep(_ phase: GraphPhase) -> Int? {
        record.steps.indices.first { index in
            phase.graph.isOnFailure[index] == phase.onFailure && record.steps[index].status == .pending
                && phase.graph.needs[index].allSatisfy { [.succeeded, .skipped, .failed].contains(record.steps[$0].status) }
        }
    }

    /// Skips step `index` when its `when` does not hold, or, without a `when`, when a step it needs did not succeed;
    /// true when it did.
    private mutating func skipIfItMust(_ index: Int, _ phase: GraphPhase, outputs: [String: JSONValue]) throws -> Bool {
        let definition = request.workflow.steps[index]
        let transition: StepTransition
        if let when = definition.when {
            let resolver = ReferenceResolver(runId: record.runId, input: request.input, stepOutputs: outputs, error: phase.runError)
            guard !when.holds(in: resolver) else { return false }
            transition = .skip(.condition, detail: "when \(JSONWriter.compact(when.json)) did not hold")
        } else if let need = phase.graph.needs[index].first(where: { record.steps[$0].status != .succeeded }) {
            transition = .skip(.needSkipped, detail: "it needs '\(record.steps[need].id)', which \(record.steps[need].status.rawValue)")
        } else {
            return false
        }
        try applyStep(index, transition)
        return true
    }
}
