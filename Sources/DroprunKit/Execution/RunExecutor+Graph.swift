import Foundation

/// A workflow that names `needs`, `when` or `onFailure` steps, run by its graph, up to `maxParallelSteps` steps at once.
///
/// A step is ready when its needs have all ended; ready steps start in list
/// order while fewer than the limit are in flight. One whose `when` does not
/// hold, or (without a `when`) one of whose needs was skipped, is skipped with
/// the reason, and the steps after it decide for themselves. Each attempt
/// runs in a task of its own (`StepAttempt`); this executor alone applies
/// their transitions to the record, and checkpoints once per batch of ends
/// (the live record while a step that may wait is in flight, else the
/// checkpoint log), so a run taken over after a crash runs again only the
/// steps that were in flight.
///
/// When a step fails, no more of the run's steps start; those in flight end
/// as they will (nothing is cut short), then the `onFailure` steps run (they
/// see `{{run.error}}`), and the run fails with the first failure. A cancel
/// cuts every step in flight short; an approval asked for waits until the
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
        /// The steps in flight (an attempt running, or a backoff before the next), each with whether it may wait.
        var inFlight: [Int: Bool] = [:]
        /// The first of the run's steps that failed (the onFailure phase keeps none).
        var firstFailure: (StepFailure, String)?
        var stop: Stop?
        /// What ends the run's execution here (a lost lease, a record that could not be written).
        var abort: (any Error)?
        /// Attempts begun, to start once the checkpoint that counts them is written.
        var toStart: [StepAttempt] = []
        /// Backoffs to begin (step, delay in ms).
        var toWait: [(Int, Int)] = []
        /// Answers owed to commands waiting to be recorded.
        var replies: [CheckedContinuation<Void, any Error>] = []
        /// True when the record changed since its last checkpoint; `settle` when a step that may wait ended.
        var changed = false
        var settle = false

        init(graph: StepGraph, onFailure: Bool, runError: JSONValue?, deadline: Date, artifacts: RunArtifactWriter) {
            self.graph = graph
            self.onFailure = onFailure
            self.runError = runError
            self.deadline = deadline
            self.artifacts = artifacts
        }

        /// True while ready steps may start.
        var starts: Bool { stop == nil && abort == nil && (onFailure || firstFailure == nil) }
    }

    /// Runs one phase's steps until none is left it can start and none is in flight; the run's end when the phase
    /// ended it (a cancel, an interruption, an approval), nil when the run goes on (`phase.firstFailure` says how).
    private mutating func run(_ phase: inout GraphPhase, outputs: inout [String: JSONValue]) async throws -> ExecutionEnd? {
        let limit = request.workflow.maxParallelSteps ?? context.configuration.maxParallelSteps
        await withTaskGroup(of: Void.self) { group in
            while true {
                if phase.abort == nil {
                    do {
                        if phase.starts { try startReady(&phase, outputs: outputs, limit: limit) }
                        try await checkpointPhase(&phase)
                        // Said once the record that counts them is written: the audit never shows a step begun
                        // before the end of what it needs is on disk.
                        for attempt in phase.toStart {
                            if let event = attempt.startEvent { try context.record(event, runId: record.runId) }
                        }
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

    /// Begins the attempts of the steps that are ready, up to `limit` in flight; skips those that must be.
    private mutating func startReady(_ phase: inout GraphPhase, outputs: [String: JSONValue], limit: Int) throws {
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
                if !phase.onFailure { phase.firstFailure = (failure, definition.id) }
                continue
            }
            let beside = phase.inFlight.keys.sorted().map { record.steps[$0].id }
            let attempt = try beginAttempt(
                index, provider: provider, outputs: outputs, deadline: phase.deadline, artifacts: phase.artifacts, runError: phase.runError,
                childStarted: phase.mailbox.childRecorder(step: index), beside: beside,
                defersStartEvent: true)
            phase.inFlight[index] = provider.mayWait
            phase.toStart.append(attempt)
            phase.changed = true
        }
    }

    /// Writes what changed in this batch before the attempts it began start: the live record while a step that may
    /// wait is in flight (people see the run as it waits; a command is named in it before it runs), else the
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
            for attempt in phase.toStart { phase.inFlight[attempt.index] = nil }
            for (index, _) in phase.toWait { phase.inFlight[index] = nil }
        } else {
            for attempt in phase.toStart { group.addTask { mailbox.post(.ended(attempt, await attempt.run())) } }
            let runId = record.runId
            let engine = context
            for (index, delay) in phase.toWait {
                group.addTask { mailbox.post(.backoffEnded(index: index, await StepAttempt.backoff(delay, runId: runId, context: engine))) }
            }
        }
        phase.toStart = []
        phase.toWait = []
    }

    /// Applies one message of a step task to the record.
    private mutating func take(
        _ message: StepMailbox.Message, in phase: inout GraphPhase, outputs: inout [String: JSONValue], group: inout TaskGroup<Void>
    ) {
        do {
            switch message {
            case .childStarted(let index, let child, let reply):
                record.steps[index].process = child
                phase.replies.append(reply)
            case .ended(let attempt, let result):
                let index = attempt.index
                record.steps[index].process = nil
                phase.changed = true
                phase.settle = phase.settle || attempt.provider.mayWait
                switch try endAttempt(attempt, result, deadline: phase.deadline) {
                case .retry(let delay):
                    phase.toWait.append((index, delay))
                case .ended(let end):
                    phase.inFlight[index] = nil
                    try ended(index, end, in: &phase, outputs: &outputs, group: &group)
                }
            case .backoffEnded(let index, let end):
                switch end {
                case .ready:
                    // The step's next attempt begins, as it would have alone (it keeps its place among those in flight).
                    let definition = request.workflow.steps[index]
                    guard phase.abort == nil, let provider = context.registry.provider(named: definition.provider) else {
                        phase.inFlight[index] = nil
                        return
                    }
                    let beside = phase.inFlight.keys.filter { $0 != index }.sorted().map { record.steps[$0].id }
                    phase.toStart.append(
                        try beginAttempt(
                            index, provider: provider, outputs: outputs, deadline: phase.deadline, artifacts: phase.artifacts,
                            runError: phase.runError, childStarted: phase.mailbox.childRecorder(step: index), beside: beside,
                            defersStartEvent: true))
                    phase.changed = true
                case .cancelled:
                    phase.inFlight[index] = nil
                    try ended(index, .cancelled, in: &phase, outputs: &outputs, group: &group)
                case .interrupted:
                    phase.inFlight[index] = nil
                    try ended(index, .interrupted, in: &phase, outputs: &outputs, group: &group)
                }
            }
        } catch {
            if case .ended(let attempt, _) = message { phase.inFlight[attempt.index] = nil }
            if case .backoffEnded(let index, _) = message { phase.inFlight[index] = nil }
            if phase.abort == nil { phase.abort = error }
            group.cancelAll()
        }
    }

    /// What the end of step `index` means for the phase.
    private mutating func ended(
        _ index: Int, _ end: StepEnd, in phase: inout GraphPhase, outputs: inout [String: JSONValue], group: inout TaskGroup<Void>
    ) throws {
        record.artifacts = phase.artifacts.written
        let id = request.workflow.steps[index].id
        switch end {
        case .succeeded(let output):
            outputs[id] = output
        case .failed(let failure):
            if !phase.onFailure, phase.firstFailure == nil { phase.firstFailure = (failure, id) }
        case .cancelled:
            // The run is cancelled: every step in flight is cut short (a cancel wins over a stop).
            phase.stop = .cancelled
            group.cancelAll()
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
