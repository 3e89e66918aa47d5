/// Control messages carried out on the runs they were taken over for, and a cancel found as a run begins to wait.
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

    /// Takes the record this executor just published as waiting back into this runner's claim folder, to cancel the
    /// run; false when something got there first.
    ///
    /// Guarded as a cancel of an idle run is (`TakeoverPolicy.isIdle`), and
    /// only while the record is still the one published here (waiting for the
    /// same approval): a decision, or another runner's cancel, that took the
    /// record first wins, and the marker is then seen by whoever holds the run
    /// next. The record taken stands for the run until its result is written.
    mutating func takeBackToCancel() -> Bool {
        let runId = record.runId
        let published = record.approval?.json
        let policy = TakeoverPolicy(context: context)
        let isPublished: (HeldRecord) -> Bool = { held in
            policy.isIdle(held) && held.status == .waitingApproval && held.approval?.json == published
        }
        let live: HeldRecord?
        do {
            live = try RunLocator(context: context).held(at: context.layout.runningRecord(runId))
        } catch {
            context.reportUnreadable(error)
            return false
        }
        guard let live, isPublished(live), let path = Recovery(context: context).takeOver(runId, stillHolds: isPublished) else { return false }
        placeholder = path
        return true
    }
}
