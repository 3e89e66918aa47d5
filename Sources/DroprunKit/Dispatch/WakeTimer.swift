import Foundation

/// One wake of the watch loop at the soonest moment something waited for is due (a file settling, a retry, a held file).
///
/// At most one timer task is pending: a sooner due time replaces it, a later
/// one is left to the next look.
struct WakeTimer {
    private var task: Task<Void, Never>?
    private var due: Date?

    /// Forgets a due time that has passed (its wake came or is on its way).
    mutating func passed(now: Date) {
        if let due, due <= now { self.due = nil }
    }

    /// Calls `fire` after `ms` on `clock`, unless a wake is already due sooner.
    mutating func wake(in ms: Int, now: Date, clock: any RunnerClock, fire: @escaping @Sendable () -> Void) {
        let at = now.addingTimeInterval(Double(ms) / 1000)
        guard due.map({ at < $0 }) ?? true else { return }
        task?.cancel()
        due = at
        task = Task.detached {
            try? await clock.sleep(for: .milliseconds(ms))
            if !Task.isCancelled { fire() }
        }
    }

    /// Cancels the pending wake.
    func cancel() { task?.cancel() }
}
