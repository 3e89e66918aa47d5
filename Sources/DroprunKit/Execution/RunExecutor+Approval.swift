import Foundation

/// A waiting run's approval: the decision dropped for it, or its expiry.
extension RunExecutor {
    /// Records a decision for the waiting approval step: approve (or a reject its step continues on) releases the run
    /// to continue; reject fails it (and returns its result).
    ///
    /// The decision's `approval.received` is written once the record (approve) or
    /// the result (reject) that holds the decision is: an event never names a
    /// decision that was not made, and a replay after a crash finds the event
    /// and files the message as applied. When this throws, nothing of the
    /// decision was said; the record taken over for it is then still the run's
    /// unless a result was written (`ControlDesk` puts it back).
    mutating func decide(_ decision: ApprovalDecision) async throws -> RunRecord? {
        if let damaged = try await failIfDamagedWait() { return damaged }
        let step = record.approval.flatMap { approval in request.workflow.steps.first { $0.id == approval.step } }
        // A rejection the step continues on is its output, as an approval is.
        let transition: RunTransition
        if decision.approve || step.map({ ApprovalProvider.continuesOnReject($0.with) }) == true {
            transition = .resume(decision)
        } else if !request.workflow.onFailure.isEmpty {
            // The run fails, but its onFailure steps run first: the next runner takes it up from the failed step.
            transition = .failToOnFailure(decision)
        } else {
            return try await finish(.reject(decision))
        }
        let resumed = try apply(transition)
        try await checkpoint()
        try context.record(resumed, runId: record.runId)
        return nil
    }

    /// Fails a waiting run whose approval expired; nil when the run has onFailure steps, which it was released
    /// to run first (it fails once they have).
    mutating func expireApproval() async throws -> RunRecord? {
        if let damaged = try await failIfDamagedWait() { return damaged }
        guard !request.workflow.onFailure.isEmpty else { return try await finish(.expire) }
        let released = try apply(.failToOnFailure(nil))
        try await checkpoint()
        try context.record(released, runId: record.runId)
        return nil
    }

    /// Fails a waiting run whose record names no approval, or an approval step it does not have or that is not
    /// `running` (edited or damaged), which no decision can be applied to; nil when the wait is sound.
    private mutating func failIfDamagedWait() async throws -> RunRecord? {
        let named: String
        if let approval = record.approval, let index = record.steps.firstIndex(where: { $0.id == approval.step }) {
            guard record.steps[index].status != .running else { return nil }
            named = "approval step '\(record.steps[index].id)', which is \(record.steps[index].status.rawValue), not running"
        } else {
            named = record.approval.map { "approval step '\($0.step)', which is not among its steps" } ?? "an approval but names none"
        }
        // The failure drops the approval it names (`RunTransition.failUnrunnable` ends as `fail`).
        return try await failUnrunnable(
            StepFailure(
                .workflowMismatch,
                "the record of run '\(record.runId)' waits for \(named); was it changed by hand? Retry it with 'droprun retry \(record.runId)'"))
    }
}
