import Foundation

/// A run this runner took over (moved into its claim folder), read back and ready to go on.
struct TakenOverRun: Sendable {
    /// Its record as read back.
    var record: RunRecord
    /// Its kept request.
    var request: RunRequest
    /// Why it cannot go on, when its kept request or definition is damaged (it is then failed with that).
    var problem: StepFailure?
    /// Where its record now is (in this runner's claim folder), until the executor writes it again.
    var placeholder: String
    /// The runner it was taken from; nil when it was released (after an approval) or waited.
    var previousRunner: String?
}

extension RunExecutor {
    /// Takes up a run taken over from another runner (or released by an approval): the one place that decides what becomes of it.
    ///
    /// - A waiting run whose approval has not expired: its runner died as it
    ///   began to wait (the waiting state only in its checkpoint log), so it is
    ///   published as waiting, for a decision to find.
    /// - A waiting run whose approval expired (`PendingApproval.hasExpired(at:)`): failed with `approval_expired`.
    /// - A run that cannot go on (`problem`): failed with it, without running a step.
    /// - Anything else: executed from where it was.
    static func resume(_ run: TakenOverRun, context: EngineContext) async throws -> ExecutionEnd {
        var executor = RunExecutor(
            context: context, request: run.request, record: run.record, placeholder: run.placeholder,
            origin: .takenOver(previousRunner: run.previousRunner))
        if run.record.status == .waitingApproval {
            if run.record.approval != nil, !TakeoverPolicy.hasExpired(run.record.status, run.record.approval, at: context.clock.now()) {
                return try await executor.beginWaiting(.publishWaiting)
            }
            guard let failed = try await executor.expireApproval() else {
                // Released to run its onFailure steps: this runner runs them now.
                return try await executor.execute()
            }
            return .finished(failed)
        }
        if let problem = run.problem { return .finished(try await executor.failUnrunnable(problem)) }
        return try await executor.execute()
    }
}
