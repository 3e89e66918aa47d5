extension RunExecutor {
    /// Fails a run that cannot go on (its kept request no longer validates, or its record and definition disagree) without running a step.
    ///
    /// Only the record is touched, never the definition's steps by index, so
    /// a record of any shape ends with a result that says why, and the runner goes on.
    mutating func failUnrunnable(_ failure: StepFailure) async throws -> RunRecord {
        // A dead runner's command may still run for this run: it is ended before the run is.
        _ = await endLeftoverProcesses()
        return try await finish(.failUnrunnable(failure))
    }
}
