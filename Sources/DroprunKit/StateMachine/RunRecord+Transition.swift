import Foundation

extension RunRecord {
    /// Applies `transition` at `now` for `runner`: checks the arrow, sets every field that goes with it, and returns the audit events it implies.
    ///
    /// The one function through which a run changes status. The record is
    /// unchanged when the arrow (or an arrow of a step it moves) is illegal.
    /// Callers record `now` at once and `afterWrite` once the record or
    /// result the transition leads to is written.
    public mutating func apply(_ transition: RunTransition, at now: Date, by runner: RunnerIdentity) throws(IllegalTransition) -> TransitionEvents {
        switch transition {
        case .start:
            try apply(.start)
            startedAt = now
            hold(by: runner)
            return TransitionEvents(now: [.runStarted(runner: runner.actor)])
        case .recover(let previousRunner, let leftoverProcesses):
            try apply(.recover)
            hold(by: runner)
            var interrupted: [JSONValue] = []
            for index in steps.indices {
                if steps[index].status == .running { try steps[index].apply(.interrupt, at: now) }
                // A pending step with attempts was handed back by a stop (SIGTERM): its attempts so far count too.
                if steps[index].status == .pending, steps[index].attempts > 0 { interrupted.append(.string(steps[index].id)) }
            }
            guard let previousRunner else { return TransitionEvents() }
            return TransitionEvents(now: [
                .runRecovered(previousRunner: previousRunner, interruptedSteps: interrupted, leftoverProcesses: leftoverProcesses)
            ])
        case .succeed:
            try apply(.succeed)
            let skipped = try end(at: now, by: runner)
            return TransitionEvents(now: skipped, afterWrite: [.runSucceeded(durationMs: durationMs ?? 0)])
        case .fail(let failure, let step):
            try apply(.fail)
            return try fail(failure, step: step, at: now, by: runner, before: [])
        case .failUnrunnable(let failure):
            if status == .queued {
                try apply(.start)
                startedAt = startedAt ?? now
            }
            _ = try status.applying(.fail)
            for index in steps.indices where steps[index].status == .running { try steps[index].apply(.interrupt, at: now) }
            let step = steps.first { $0.status != .succeeded }?.id ?? steps.last?.id ?? ""
            try apply(.fail)
            return try fail(failure, step: step, at: now, by: runner, before: [])
        case .cancel(let by):
            let wasRunning = status == .running
            try apply(.cancel)
            if startedAt == nil, wasRunning { startedAt = now }
            var step: String?
            for index in steps.indices where steps[index].status == .running {
                try steps[index].apply(.cancel, at: now)
                step = steps[index].id
            }
            let skipped = try end(at: now, by: runner)
            error = StepFailure(.cancelled, "the run was cancelled" + (by.map { " by \($0)" } ?? ""))
            errorStep = step
            approval = nil
            return TransitionEvents(now: skipped, afterWrite: [.runCancelled(step: step)])
        case .awaitApproval(let pending):
            try apply(.awaitApproval)
            approval = pending
            release()
            return TransitionEvents(afterWrite: [.runWaitingApproval(pending)])
        case .publishWaiting:
            guard let pending = approval else { throw .run(from: status, event: .publishWaiting) }
            try apply(.publishWaiting)
            release()
            return TransitionEvents(afterWrite: [.runWaitingApproval(pending)])
        case .resume(let decision):
            let (pending, index) = try waitingStep(for: .resume, stepEvent: .succeed)
            try apply(.resume)
            waitedMs += now.milliseconds(since: pending.requestedAt)
            approval = nil
            try steps[index].apply(.approve(output: decision.output), at: now)
            release()
            // The decision is said once the record that holds it is written: a decision whose write failed was
            // never received, and the message offered again is applied as if for the first time.
            return TransitionEvents(afterWrite: [
                .approvalReceived(step: pending.step, approve: decision.approve, by: decision.by, note: decision.note, source: decision.source),
                .runResumed(step: pending.step, by: decision.by),
            ])
        case .reject(let decision):
            let (pending, index) = try waitingStep(for: .fail, stepEvent: .fail)
            try apply(.fail)
            waitedMs += now.milliseconds(since: pending.requestedAt)
            approval = nil
            steps[index].output = decision.output
            let failure = Self.rejection(decision)
            let received = AuditEvent.approvalReceived(
                step: pending.step, approve: false, by: decision.by, note: decision.note, source: decision.source)
            let stepFailed = try steps[index].apply(.fail(failure), at: now)
            let failed = try fail(failure, step: pending.step, at: now, by: runner, before: [received] + (stepFailed.map { [$0] } ?? []))
            // All said once the result is written, in the same order, as for `resume`.
            return TransitionEvents(afterWrite: failed.now + failed.afterWrite)
        case .expire:
            let (pending, index) = try waitingStep(for: .fail, stepEvent: .fail)
            try apply(.fail)
            waitedMs += now.milliseconds(since: pending.requestedAt)
            approval = nil
            let failure = Self.expiry(pending)
            let stepFailed = try steps[index].apply(.fail(failure), at: now)
            return try fail(failure, step: pending.step, at: now, by: runner, before: stepFailed.map { [$0] } ?? [])
        case .failToOnFailure(let decision):
            let (pending, index) = try waitingStep(for: .resume, stepEvent: .fail)
            try apply(.resume)
            waitedMs += now.milliseconds(since: pending.requestedAt)
            approval = nil
            var events: [AuditEvent] = []
            if let decision {
                steps[index].output = decision.output
                events.append(.approvalReceived(step: pending.step, approve: false, by: decision.by, note: decision.note, source: decision.source))
            }
            if let failed = try steps[index].apply(.fail(decision.map(Self.rejection) ?? Self.expiry(pending)), at: now) { events.append(failed) }
            release()
            events.append(.runResumed(step: pending.step, by: decision?.by))
            return TransitionEvents(afterWrite: events)
        }
    }

    /// The approval step's failure when its approval is rejected.
    private static func rejection(_ decision: ApprovalDecision) -> StepFailure {
        StepFailure(.approvalRejected, "approval rejected" + (decision.by.map { " by \($0)" } ?? "") + (decision.note.map { ": \($0)" } ?? ""))
    }

    /// The approval step's failure when no decision came in time.
    private static func expiry(_ pending: PendingApproval) -> StepFailure {
        StepFailure(.approvalExpired, "no decision before \(pending.expiresAt.map(Timestamp.format) ?? "the deadline")")
    }

    /// The approval waited for and its step's index; throws unless the run waits and that step is `running`.
    private func waitingStep(for event: RunEvent, stepEvent: StepEvent) throws(IllegalTransition) -> (PendingApproval, Int) {
        // Only a waiting run has a decision or an expiry (a running run may fail, but not this way).
        guard status == .waitingApproval else { throw .run(from: status, event: event) }
        _ = try status.applying(event)
        guard let pending = approval, let index = steps.firstIndex(where: { $0.id == pending.step }) else {
            throw .run(from: status, event: event)
        }
        _ = try steps[index].status.applying(stepEvent)
        return (pending, index)
    }

    /// The fields of a failed run (its status already `failed`), and its events: `before`, the skipped steps, then `run.failed`.
    private mutating func fail(
        _ failure: StepFailure, step: String, at now: Date, by runner: RunnerIdentity, before: [AuditEvent]
    ) throws(IllegalTransition) -> TransitionEvents {
        let skipped = try end(at: now, by: runner)
        error = failure
        errorStep = step
        approval = nil
        return TransitionEvents(now: before + skipped, afterWrite: [.runFailed(failure, step: step, durationMs: durationMs ?? 0)])
    }

    /// Ends the run at `now`: its finish time, its pending steps skipped, the runner that writes its result; returns the skips' events.
    private mutating func end(at now: Date, by runner: RunnerIdentity) throws(IllegalTransition) -> [AuditEvent] {
        finishedAt = now
        hold(by: runner)
        var events: [AuditEvent] = []
        let reason: SkipReason = status == .cancelled ? .runCancelled : status == .failed ? .runFailed : .runDidNotFail
        for index in steps.indices where steps[index].status == .pending {
            if let event = try steps[index].apply(.skip(reason), at: now) { events.append(event) }
        }
        return events
    }

    /// Names `runner` as the run's holder.
    private mutating func hold(by runner: RunnerIdentity) {
        self.runner = runner.actor
        runnerId = runner.folderName
    }

    /// Names no holder: a waiting run, or one released to continue, is held by nobody.
    private mutating func release() {
        runner = nil
        runnerId = nil
    }
}
