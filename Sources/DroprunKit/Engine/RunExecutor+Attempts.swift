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

    /// Appends the attempt that begins to the checkpoint log (a step that may wait, in a run whose record is published).
    func logAttempt() async throws {
        do {
            try await RecordStore(context: context).log(record, claim: nil, settle: false)
        } catch {
            throw AttemptNotRecorded(underlying: error)
        }
    }

    /// Ends the process groups that attempts of a dead runner left running (on this machine), and waits until they are gone.
    ///
    /// Returns what was done for the `run.recovered` event: one entry per
    /// child found in the record. The children are forgotten in the record
    /// (none of them runs any more, or none can be reached from here).
    mutating func endLeftoverProcesses() async -> [JSONValue] {
        var report: [JSONValue] = []
        let graceMs = (context.registry.provider(named: "exec") as? ExecProvider)?.graceMs ?? 2000
        for index in record.steps.indices {
            guard let child = record.steps[index].process else { continue }
            let outcome = await LeftoverProcessGroup.end(child, grace: .milliseconds(graceMs), clock: context.clock)
            var entry: [String: JSONValue] = [
                "step": .string(record.steps[index].id), "pid": .int(Int(child.pid)), "group": .int(Int(child.group)),
                "host": .string(child.host), "outcome": .string(outcome.word),
            ]
            if case .notEnded(let code) = outcome { entry["errno"] = .int(Int(code)) }
            report.append(.object(entry))
            record.steps[index].process = nil
        }
        return report
    }

    /// Sets steps whose attempt was cut short to run again, and returns their ids.
    ///
    /// A step still `running` in a taken-over record was running when its
    /// runner died; a `pending` step with attempts was interrupted by a stop
    /// (SIGTERM) and handed back. Either way its attempts so far count.
    mutating func interruptSteps() throws -> [JSONValue] {
        var interrupted: [JSONValue] = []
        for index in record.steps.indices {
            if record.steps[index].status == .running { try record.steps[index].apply(.interrupt) }
            if record.steps[index].status == .pending, record.steps[index].attempts > 0 {
                interrupted.append(.string(record.steps[index].id))
            }
        }
        return interrupted
    }
}

/// The runner could not write down an attempt before it ran (a lost lease, a disk error): a fault of the runner,
/// never of the step, so it reaches the runner as `underlying`, as a failed checkpoint does.
struct AttemptNotRecorded: Error {
    var underlying: any Error
}
