import Foundation
import Synchronization

/// When `watch` runs its gc pass: first a minute after it started, then at most once an hour, never two at once.
final class RetentionTimer: Sendable {
    /// From start to the first pass.
    static let firstDelay: TimeInterval = 60
    /// Between the starts of two passes.
    static let interval: TimeInterval = 3_600

    private struct State {
        var next: Date
        var running = false
    }

    private let state: Mutex<State>

    init(start: Date) { state = Mutex(State(next: start.addingTimeInterval(Self.firstDelay))) }

    /// True when a pass is due at `now` and none runs; the pass is then counted as started (the next is an hour on).
    func claim(now: Date) -> Bool {
        state.withLock { state in
            guard !state.running, now >= state.next else { return false }
            state.running = true
            state.next = now.addingTimeInterval(Self.interval)
            return true
        }
    }

    /// Retention turned on again (a reload): the next pass a minute from `now`. A pass still running keeps the timer
    /// claimed, so no second one starts beside it.
    func restart(now: Date) { state.withLock { $0.next = now.addingTimeInterval(Self.firstDelay) } }

    /// The pass that `claim` started has ended.
    func ended() { state.withLock { $0.running = false } }

    /// When the next pass is due.
    var next: Date { state.withLock { $0.next } }
}
