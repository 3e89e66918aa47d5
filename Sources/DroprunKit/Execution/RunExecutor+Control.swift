/// Control messages carried out on the runs they were taken over for.
extension RunExecutor {
    /// Carries out `intent`; returns the run's result when it ended (a rejection, a cancel), nil when it goes on.
    static func carryOut(_ intent: ControlIntent, context: EngineContext) async throws -> RunRecord? {
        switch intent {
        case .decide(let run, let decision):
            var executor = RunExecutor(
                context: context, request: run.request, record: run.record, placeholder: run.placeholder, origin: .takenOver(previousRunner: nil))
            return try await executor.decide(decision)
        case .cancel(let run):
            var executor = RunExecutor(
                context: context, request: run.request, record: run.record, placeholder: run.placeholder, origin: .takenOver(previousRunner: nil))
            // A dead runner's command may still run for this run (its group in the record): it is ended before the run is.
            _ = await executor.endLeftoverProcesses()
            return try await executor.finishCancelled()
        }
    }
}
