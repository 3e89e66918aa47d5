import Foundation

/// Who may take a run over, and when: the one policy recovery, cancels and approvals apply.
///
/// A run is served by the runner its record names while that runner's lease
/// holds (`Liveness`). Nobody serves a queued or running run whose record
/// names no runner (released) or a dead one; a waiting run is served by
/// nobody until a decision comes, and is due to be taken up by recovery once
/// its approval has expired (`hasExpired(_:_:at:)`). A finished
/// run is never taken over. This runner never takes over its own runs: it is
/// executing them.
struct TakeoverPolicy {
    /// This runner's folder name.
    let me: String
    /// True when the runner of that folder name holds no live lease.
    let isDead: (String) -> Bool
    /// Now, for approval expiry.
    let now: Date

    init(me: String, now: Date, isDead: @escaping (String) -> Bool) {
        self.me = me
        self.now = now
        self.isDead = isDead
    }

    init(context: EngineContext) {
        let liveness = context.liveness
        self.init(me: context.identity.folderName, now: context.clock.now(), isDead: liveness.isDead)
    }

    /// The policy as a reader that runs nothing sees it (the commands): no runner is this one, so a runner named as
    /// the reader's own process would be is gone when it has no heartbeat (`Liveness.isDead` counts that name alive).
    init(reading liveness: Liveness, now: Date) {
        self.init(me: "", now: now, isDead: { liveness.isDead($0) || !liveness.hasHeartbeat($0) })
    }

    /// True when the runner of `owner` is gone: not this runner, and dead by its heartbeat.
    func isGone(_ owner: String) -> Bool { owner != me && isDead(owner) }

    /// True when recovery takes the run up: queued or running with no owner or a dead one, or waiting with its approval expired.
    func shouldTakeOver(_ held: HeldRecord) -> Bool {
        switch held.status {
        case .queued, .running:
            guard let owner = held.owner else { return true }
            return isGone(owner)
        case .waitingApproval:
            return isDue(held)
        case .succeeded, .failed, .cancelled:
            return false
        }
    }

    /// True when a waiting run's approval has expired, so recovery takes it up to fail it.
    func isDue(_ held: HeldRecord) -> Bool { Self.hasExpired(held.status, held.approval, at: now) }

    /// True when a run of `status` waits for `approval` and that approval has expired by `now`: the one rule of
    /// approval expiry, that recovery (`isDue`), the executor (taking a waiting run up) and the commands apply.
    static func hasExpired(_ status: RunStatus, _ approval: PendingApproval?, at now: Date) -> Bool {
        status == .waitingApproval && (approval?.hasExpired(at: now) ?? false)
    }

    /// True when the run is still in the hands of the dead runner `owner` (queued or running, its record naming it):
    /// its checkpoint log's state for the run is then the newest, and the run is resumed from it.
    static func isHeld(_ held: HeldRecord, by owner: String) -> Bool {
        held.owner == owner && (held.status == .queued || held.status == .running)
    }

    /// True when no runner is executing the run, so a cancel ends it at once: waiting, or queued or running with
    /// no owner or a dead one; never one of this runner's own.
    func isIdle(_ held: HeldRecord) -> Bool {
        guard held.owner != me, !held.status.isFinal else { return false }
        return held.status == .waitingApproval || held.owner.map(isDead) ?? true
    }

    /// True when a decision may take the run over: it is waiting for an approval.
    static func awaitsDecision(_ held: HeldRecord) -> Bool { held.status == .waitingApproval }

    /// The runner a taken-over run was last run by, for its audit trail: nil for a waiting run (released, nobody ran it since).
    static func previousRunner(_ held: HeldRecord) -> String? {
        held.status == .waitingApproval ? nil : held.runner
    }
}
