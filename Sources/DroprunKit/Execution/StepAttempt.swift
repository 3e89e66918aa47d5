import Foundation

/// One attempt of a step, begun by its run's executor (which owns the record) and run by itself, in a task of its own.
///
/// `run()` touches nothing of the record: it resolves the step's `with`,
/// calls the provider within the step's and the run's time limits, and says
/// how that went, for `RunExecutor.endAttempt` to apply. So steps of one run
/// can run at the same time while one function owns each transition.
struct StepAttempt: Sendable {
    /// How an attempt went.
    enum Result: Sendable {
        case output(JSONValue)
        case waiting(AwaitingApproval)
        case failure(StepFailure)
        /// A cancel request stopped it.
        case cancelled
        /// A stop (or a failing sibling) cut it short; it runs again.
        case interrupted
        /// The runner cannot go on with the run (a lost lease, a record it could not write).
        case thrown(any Error)
    }

    /// How a backoff before the next attempt ended.
    enum BackoffEnd: Sendable {
        case ready, cancelled, interrupted
    }

    /// The step (or item) it is an attempt of.
    let slot: StepSlot
    let definition: StepDefinition
    let provider: any Provider
    let context: StepContext
    let engine: EngineContext
    let resolver: ReferenceResolver
    let deadline: Date
    /// The run's time limit, for the failure that says it ran out (built only then).
    let runLimitSeconds: Double
    /// When the attempt began (its duration is counted from here).
    let start: Date
    /// Its `step.started`, when the executor records it only once the record that counts the attempt is written.
    var startEvent: AuditEvent?

    init(
        slot: StepSlot, definition: StepDefinition, provider: any Provider, context: StepContext, engine: EngineContext,
        resolver: ReferenceResolver, deadline: Date, runLimitSeconds: Double
    ) {
        self.slot = slot
        self.definition = definition
        self.provider = provider
        self.context = context
        self.engine = engine
        self.resolver = resolver
        self.deadline = deadline
        self.runLimitSeconds = runLimitSeconds
        start = context.clock.now()
    }

    /// Runs the attempt to its end; never throws (how it ended is the result).
    func run() async -> Result {
        let runId = context.runId
        let engine = engine
        let cancelCheck: @Sendable () -> Bool = { RunExecutor.cancelRequested(runId, context: engine) }
        // While an attempt waits, a lost lease stops it too (its command ends at once, not when it is done).
        let stopCheck: @Sendable () -> Bool = { RunExecutor.leaseLost(engine) || cancelCheck() }
        let attempt = context.attempt
        let clock = context.clock
        do {
            let with = try resolver.resolve(definition.with, at: context.withPath)
            let remainingMs = Int((deadline.timeIntervalSince(clock.now()) * 1000).rounded(.up))
            guard remainingMs > 0 else { throw Interruption.runLimit }
            let stepTimeout = definition.timeoutMs ?? engine.configuration.stepTimeoutMs
            let provider = provider
            let stepContext = context
            let output: JSONValue
            if provider.mayWait {
                output = try await withInterruptions(
                    limitMs: min(stepTimeout, remainingMs), limitReason: stepTimeout <= remainingMs ? .stepLimit(ms: stepTimeout) : .runLimit,
                    clock: clock, pollInterval: engine.cancelPollInterval, cancelRequested: stopCheck
                ) {
                    try await provider.run(with, context: stepContext)
                }
            } else {
                if cancelCheck() { throw Interruption.cancelRequested }
                output = try await provider.run(with, context: stepContext)
            }
            try StepOutputLimit.check(output)
            return .output(output)
        } catch let waiting as AwaitingApproval {
            return .waiting(waiting)
        } catch let error as StepFailure {
            return .failure(error)
        } catch let error as MissingReference {
            return .failure(StepFailure(.missingReference, error.description))
        } catch Interruption.stepLimit(let ms) {
            return .failure(StepFailure(.stepTimeout, "attempt \(attempt) ran longer than the step's \(ms) ms limit"))
        } catch Interruption.runLimit {
            return .failure(RunExecutor.runTimeout(seconds: runLimitSeconds))
        } catch Interruption.cancelRequested {
            // Stopped for a lost lease: nothing more is written for the run (another runner has it).
            do {
                try engine.ensureLease()
            } catch {
                return .thrown(error)
            }
            return .cancelled
        } catch is CancellationError {
            // Only a cancel request makes a run `cancelled`; any other cancellation (a stop, a failing sibling) interrupts it.
            return cancelCheck() ? .cancelled : .interrupted
        } catch let error as IllegalTransition {
            return .thrown(error)
        } catch let error as AttemptNotRecorded {
            return .thrown(error.underlying)
        } catch {
            return .failure(StepFailure(.providerError, "provider '\(definition.provider)' failed: \(error)"))
        }
    }

    /// Waits `delayMs` before the next attempt of run `runId`'s step, cut short by a cancel request or a stop.
    static func backoff(_ delayMs: Int, runId: String, context: EngineContext) async -> BackoffEnd {
        let cancelCheck: @Sendable () -> Bool = { RunExecutor.cancelRequested(runId, context: context) }
        let clock = context.clock
        do {
            try await withInterruptions(
                limitMs: nil, limitReason: .runLimit, clock: clock, pollInterval: context.cancelPollInterval, cancelRequested: cancelCheck
            ) {
                try await clock.sleep(for: .milliseconds(delayMs))
            }
            return .ready
        } catch Interruption.cancelRequested {
            return .cancelled
        } catch {
            return cancelCheck() ? .cancelled : .interrupted
        }
    }
}
