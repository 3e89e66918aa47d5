import Foundation

/// How the reading commands put a record's error and waiting approval into words.
extension RunRecord {
    /// "step_timeout in step 'fetch': ...", or, for an error no step owns, where the run was when it ended.
    var errorSummary: String? {
        guard let error else { return nil }
        if let step = errorStep { return "\(error.code) in step '\(step)': \(error.message)" }
        let ran = steps.filter { $0.status == .succeeded || $0.status == .failed }
        guard error.code == .cancelled else { return "\(error.code): \(error.message)" }
        if let last = ran.last { return "cancelled after step '\(last.id)', before the next one started: \(error.message)" }
        return "cancelled before any step ran: \(error.message)"
    }

    /// The approval the run waits for, and what answers it, as of `now`; nil when it does not wait.
    ///
    /// A decision already dropped (`pending`) is shown as what will happen next;
    /// an approval past its expiry time as expired, though its run fails only
    /// when a runner next looks.
    func waitingSummary(now: Date, pending: PendingDecision?) -> String? {
        guard status == .waitingApproval, let approval else { return nil }
        var text = "step '\(approval.step)' asks: \(approval.message)"
        if let pending { return text + "; \(pending.summary), \(pending.next)" }
        if approvalExpired(now: now), let expires = approval.expiresAt {
            return text
                + "; the approval expired at \(Timestamp.format(expires)): the run fails with approval_expired when a runner next looks (droprun watch, or droprun run --once)"
        }
        if let expires = approval.expiresAt { text += " (expires \(Timestamp.format(expires)))" }
        return text + "; answer with droprun approve|reject \(runId)"
    }

    /// "interrupted, resumes on the next runner (...)" for a queued or running run whose runner is gone by the
    /// takeover policy (`TakeoverPolicy.isGone` of the record's owner: its `runnerId`, else its `runner`); nil otherwise.
    ///
    /// A clean stop (SIGTERM) checkpoints its runs and removes its heartbeat,
    /// and a killed runner's heartbeat goes stale: either way the record still
    /// names it, but nothing runs it until a runner starts and takes it over.
    func interruption(_ policy: TakeoverPolicy) -> String? {
        guard status == .queued || status == .running, let owner = HeldRecord.owner(runnerId: runnerId, runner: runner), policy.isGone(owner)
        else { return nil }
        let verb = status == .queued ? "starts" : "resumes"
        return "interrupted, \(verb) on the next runner (its runner \(runner ?? owner) has stopped)"
    }

    /// True when the approval the run waits for has expired by `now`, by the takeover policy's rule.
    func approvalExpired(now: Date) -> Bool { TakeoverPolicy.hasExpired(status, approval, at: now) }
}
