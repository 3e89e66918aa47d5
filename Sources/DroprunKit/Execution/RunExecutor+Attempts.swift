#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Attempts that outlive their runner: the child an `exec` attempt started, and steps a stop or a crash cut short.
extension RunExecutor {
    /// Writes step `index`'s attempt in progress with its child (durable in strict) before the child's command runs.
    ///
    /// `snapshot` is the record as the attempt began (the step `running`, the
    /// attempt counted). Only a run whose live record is published is written
    /// (every step that may wait is preceded by its record, so that is every
    /// `exec` step); otherwise nothing is written.
    static func childRecorder(_ snapshot: RunRecord, step index: Int, published: Bool, context: EngineContext)
        -> @Sendable (ProcessIdentity) async throws -> Void
    {
        guard published else { return { _ in } }
        return { identity in
            var record = snapshot
            record.steps[index].process = identity
            do {
                try context.ensureLease()
                try await RecordStore(context: context).checkpoint(record, settle: true)
            } catch {
                throw AttemptNotRecorded(underlying: error)
            }
        }
    }

    /// True when this runner lost its lease: another runner may be running the step again, so the attempt in
    /// progress (an `exec` command above all) is stopped at once rather than left to run beside it.
    static func leaseLost(_ context: EngineContext) -> Bool {
        do {
            try context.ensureLease()
            return false
        } catch {
            return true
        }
    }

    /// Appends the attempt that begins to the checkpoint log (a step that may wait, in a run whose record is published).
    func logAttempt() async throws {
        do {
            try await RecordStore(context: context).log(record, claim: nil, settle: false)
        } catch {
            throw AttemptNotRecorded(underlying: error)
        }
    }

    /// A dead runner's child that is still running (or cannot be told from a stranger) after `endLeftoverProcesses`.
    struct StillRunning {
        var step: Int
        var child: ProcessIdentity
        var outcome: LeftoverProcessGroup.Outcome
    }

    /// Ends the process groups that attempts of a dead runner left running (on this machine), and waits until they are gone.
    ///
    /// Returns what was done for the `run.recovered` event (one entry per
    /// child found in the record) and the children that may still run. Those
    /// stay in the record (`process`), so the step is never started beside
    /// them; the others are forgotten (none of them runs any more, or none
    /// can be reached from here: a child on another host ran under a runner
    /// whose lease expired, and that runner ends its children once it finds
    /// it lost its lease).
    mutating func endLeftoverProcesses() async -> (report: [JSONValue], stillRunning: [StillRunning]) {
        var report: [JSONValue] = []
        var stillRunning: [StillRunning] = []
        let graceMs = (context.registry.provider(named: "exec") as? ExecProvider)?.graceMs ?? 2000
        // A forEach step's items each may have left a child.
        let slots = record.steps.indices.flatMap { index in
            [StepSlot(step: index)] + (record.steps[index].items?.indices.map { StepSlot(step: index, item: $0) } ?? [])
        }
        for slot in slots {
            let index = slot.step
            guard let child = record[slot].process else { continue }
            let outcome = await LeftoverProcessGroup.end(child, grace: .milliseconds(graceMs), clock: context.clock)
            var entry: [String: JSONValue] = [
                "step": .string(record[slot].id), "pid": .int(Int(child.pid)), "group": .int(Int(child.group)),
                "host": .string(child.host), "outcome": .string(outcome.word),
            ]
            if case .notEnded(let code) = outcome { entry["errno"] = .int(Int(code)) }
            report.append(.object(entry))
            if outcome.mayStillRun {
                stillRunning.append(StillRunning(step: index, child: child, outcome: outcome))
            } else {
                record[slot].process = nil
            }
        }
        return (report, stillRunning)
    }

    /// Fails the run whose dead runner's command could not be ended, without starting its step again, and says so.
    ///
    /// The result keeps the child's `process`; the runner's warnings and the
    /// failure's message name it and what to do: end the group, then `retry`.
    mutating func failLeftoverRunning(_ stuck: StillRunning) async throws -> RunRecord {
        let why: String =
            switch stuck.outcome {
            case .notEnded(let code) where code == ETIMEDOUT: "it outlived SIGKILL"
            case .notEnded(let code): "kill: \(String(cString: strerror(code)))"
            default: "it could not be told to be that command (the record has no start time or boot id, or there is no /proc)"
            }
        let step = record.steps[stuck.step].id
        let failure = StepFailure(
            .leftoverRunning,
            """
            the command of step '\(step)' that a dead runner started (pid \(stuck.child.pid), process group \(stuck.child.group)) \
            could not be ended (\(why)), so the step was not started again beside it; end that group \
            (kill -KILL -- -\(stuck.child.group)), then droprun retry \(record.runId)
            """)
        context.warnings.warn("run '\(record.runId)': \(failure.message)")
        try applyStep(stuck.step, .fail(failure))
        return try await finish(.fail(failure, step: step))
    }
}
