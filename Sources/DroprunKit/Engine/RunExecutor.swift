import Foundation

/// Executes one accepted run: its steps in order, with retries and time limits, checkpointing as it goes.
///
/// Every change of status goes through `RunRecord.apply` and
/// `StepRecord.apply` (the state machine) and is written to the audit log.
struct RunExecutor {
    let context: EngineContext
    let request: RunRequest
    var record: RunRecord

    private var store: RecordStore { RecordStore(context: context) }

    /// Runs every pending step and writes the result; returns the final record.
    mutating func execute() async throws -> RunRecord {
        let clock = context.clock
        try record.apply(.start)
        record.startedAt = clock.now()
        record.runner = context.identity.actor
        try context.record(.runStarted, runId: record.runId, data: ["runner": .string(context.identity.actor)])
        try store.checkpoint(record)

        let timeoutSeconds = request.timeoutSeconds ?? Double(context.configuration.runTimeoutSeconds)
        let deadline = (record.startedAt ?? clock.now()).addingTimeInterval(timeoutSeconds)
        let artifacts = RunArtifactWriter(context: context, runId: record.runId, existing: record.artifacts)
        var outputs: [String: JSONValue] = [:]
        for step in record.steps where step.status == .succeeded { outputs[step.id] = step.output ?? .null }

        var failure: (StepFailure, String)?
        for (index, definition) in request.workflow.steps.enumerated() where record.steps[index].status == .pending {
            let outcome = try await runStep(index: index, definition: definition, outputs: outputs, deadline: deadline, artifacts: artifacts)
            record.artifacts = artifacts.written
            switch outcome {
            case .success(let output):
                outputs[definition.id] = output
                if index < request.workflow.steps.count - 1 { try store.checkpoint(record) }
            case .failure(let error):
                failure = (error, definition.id)
            }
            if failure != nil { break }
        }

        record.finishedAt = clock.now()
        if let (error, step) = failure {
            for index in record.steps.indices where record.steps[index].status == .pending {
                try record.steps[index].apply(.skip)
                try context.record(.stepSkipped, runId: record.runId, data: ["step": .string(record.steps[index].id)])
            }
            let runError = error
            record.error = runError
            record.errorStep = step
            try record.apply(.fail)
            try context.record(.runFailed, runId: record.runId, data: [
                "code": .string(runError.code), "message": .string(runError.message), "step": .string(step),
                "durationMs": .int(record.durationMs ?? 0),
            ])
        } else {
            try record.apply(.succeed)
            try context.record(.runSucceeded, runId: record.runId, data: ["durationMs": .int(record.durationMs ?? 0)])
        }
        try store.finish(record)
        return record
    }

    /// Runs one step to success or final failure, retrying retryable failures with backoff.
    private mutating func runStep(
        index: Int, definition: StepDefinition, outputs: [String: JSONValue], deadline: Date, artifacts: RunArtifactWriter
    ) async throws -> Result<JSONValue, StepFailure> {
        let clock = context.clock
        let runId = record.runId
        let resolver = ReferenceResolver(runId: runId, input: request.input, stepOutputs: outputs)
        let stepTimeout = definition.timeoutMs ?? context.configuration.stepTimeoutMs
        guard let provider = context.registry.provider(named: definition.provider) else {
            return try fail(index, StepFailure(.providerError, "provider '\(definition.provider)' is not registered in this runner"))
        }
        while true {
            let attempt = record.steps[index].attempts + 1
            record.steps[index].attempts = attempt
            if record.steps[index].status == .pending {
                try record.steps[index].apply(.start)
                record.steps[index].startedAt = clock.now()
            }
            try context.record(.stepStarted, runId: runId, data: [
                "step": .string(definition.id), "provider": .string(definition.provider), "attempt": .int(attempt),
            ])
            let attemptStart = clock.now()
            let failure: StepFailure
            do {
                let withPath = JSONPath.root.key("workflow").key("steps").index(index).key("with")
                let with = try resolver.resolve(definition.with, at: withPath)
                let remainingMs = Int((deadline.timeIntervalSince(clock.now()) * 1000).rounded(.up))
                guard remainingMs > 0 else { throw TimeLimit.run }
                let limit = min(stepTimeout, remainingMs)
                var stepContext = StepContext(
                    runId: runId, stepId: definition.id, attempt: attempt, clock: clock, configuration: context.configuration, artifacts: artifacts)
                stepContext.withPath = withPath
                let attemptContext = stepContext
                let output = try await withTimeLimit(limit, reason: stepTimeout <= remainingMs ? .step(ms: stepTimeout) : .run, clock: clock) {
                    try await provider.run(with, context: attemptContext)
                }
                try record.steps[index].apply(.succeed)
                record.steps[index].output = output
                record.steps[index].finishedAt = clock.now()
                try context.record(.stepSucceeded, runId: runId, data: [
                    "step": .string(definition.id), "attempt": .int(attempt),
                    "durationMs": .int(clock.now().milliseconds(since: attemptStart)),
                ])
                return .success(output)
            } catch let error as StepFailure {
                failure = error
            } catch let error as MissingReference {
                failure = StepFailure(.missingReference, error.description)
            } catch TimeLimit.step(let ms) {
                failure = StepFailure(.stepTimeout, "attempt \(attempt) ran longer than the step's \(ms) ms limit")
            } catch TimeLimit.run {
                failure = StepFailure(.runTimeout, "the run ran longer than its \(Self.seconds(request.timeoutSeconds ?? Double(context.configuration.runTimeoutSeconds))) s limit")
            } catch is CancellationError {
                failure = StepFailure(.cancelled, "the run was cancelled")
            } catch let error as IllegalTransition {
                throw error
            } catch {
                failure = StepFailure(.providerError, "provider '\(definition.provider)' failed: \(error)")
            }

            if failure.retryable, attempt < definition.retry.maxAttempts, failure.code != StepFailure.Code.runTimeout.rawValue {
                let delay = definition.retry.delayMs(afterAttempt: attempt)
                let remainingMs = Int((deadline.timeIntervalSince(clock.now()) * 1000).rounded(.down))
                if delay < remainingMs {
                    try context.record(.stepRetry, runId: runId, data: [
                        "step": .string(definition.id), "attempt": .int(attempt), "code": .string(failure.code),
                        "message": .string(failure.message), "delayMs": .int(delay),
                    ])
                    try await clock.sleep(for: .milliseconds(delay))
                    continue
                }
                return try fail(index, StepFailure(.runTimeout, "the run's time ran out before retry \(attempt + 1) of step '\(definition.id)' (last error: \(failure.code))"))
            }
            return try fail(index, failure)
        }
    }

    private mutating func fail(_ index: Int, _ failure: StepFailure) throws -> Result<JSONValue, StepFailure> {
        if record.steps[index].status == .pending {
            try record.steps[index].apply(.start)
            record.steps[index].startedAt = context.clock.now()
            record.steps[index].attempts = max(1, record.steps[index].attempts)
        }
        try record.steps[index].apply(.fail)
        record.steps[index].error = failure
        record.steps[index].finishedAt = context.clock.now()
        try context.record(.stepFailed, runId: record.runId, data: [
            "step": .string(record.steps[index].id), "attempt": .int(record.steps[index].attempts), "code": .string(failure.code),
            "message": .string(failure.message), "retryable": .bool(failure.retryable),
        ])
        return .failure(failure)
    }

    private static func seconds(_ value: Double) -> String { JSONWriter.compact(.number(value)) }
}
