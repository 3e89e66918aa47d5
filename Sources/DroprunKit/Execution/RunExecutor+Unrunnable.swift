extension RunExecutor {
    /// Fails a run that cannot go on (its kept request no longer validates, or its record and definition disagree) without running a step.
    ///
    /// Only the record is touched, never the definition's steps by index, so
    /// a record of any shape ends with a result that says why, and the runner goes on.
    mutating func failUnrunnable(_ failure: StepFailure) async throws -> RunRecord {
        // A dead runner's command may still run for this run: it is ended before the run is.
        _ = await endLeftoverProcesses()
        if record.status == .queued {
            try record.apply(.start)
            record.startedAt = record.startedAt ?? context.clock.now()
        }
        for index in record.steps.indices where record.steps[index].status == .running {
            try record.steps[index].apply(.interrupt)
        }
        let step = record.steps.first { $0.status != .succeeded }?.id ?? record.steps.last?.id ?? ""
        return try await finish(failure: (failure, step))
    }
}
