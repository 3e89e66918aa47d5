import DroprunKit
import Foundation
import Synchronization

/// A clock that moves only when a test advances it.
///
/// `sleep` suspends until `advance` moves time past the sleeper's deadline (or
/// its task is cancelled), so retries, backoff and timeouts are tested in
/// microseconds and in a fixed order.
public final class ManualClock: RunnerClock {
    private struct Sleeper {
        var id: Int
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID = 0
        var cancelled: Set<Int> = []
    }

    private let state: Mutex<State>

    /// A clock that starts at `start` (default 2026-01-01T00:00:00Z).
    public init(start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        state = Mutex(State(now: start))
    }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(for duration: Duration) async throws {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: (any Error)?? = state.withLock { s in
                    if s.cancelled.remove(id) != nil { return .some(CancellationError()) }
                    let deadline = s.now.addingTimeInterval(duration.milliseconds / 1000)
                    if deadline <= s.now { return .some(nil) }
                    s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return .none
                }
                switch resumeNow {
                case .some(.some(let error)): continuation.resume(throwing: error)
                case .some(.none): continuation.resume()
                case .none: break
                }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { s in
                if let index = s.sleepers.firstIndex(where: { $0.id == id }) {
                    return s.sleepers.remove(at: index)
                }
                s.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come, earliest first.
    public func advance(by duration: Duration) {
        let due: [Sleeper] = state.withLock { s in
            s.now = s.now.addingTimeInterval(duration.milliseconds / 1000)
            let now = s.now
            let due = s.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Milliseconds from now to each pending sleeper's deadline, soonest first.
    public var pendingSleeps: [Int] {
        state.withLock { s in s.sleepers.map { Int(($0.deadline.timeIntervalSince(s.now) * 1000).rounded()) }.sorted() }
    }

    /// Waits (in real time, briefly) until some task sleeps for `ms` from now; false after `timeout` seconds.
    @discardableResult
    public func waitForSleep(ms: Int, timeout: Double = 60) async -> Bool {
        let limit = Date().addingTimeInterval(timeout)
        while Date() < limit {
            if pendingSleeps.contains(ms) { return true }
            try? await Task.sleep(for: .microseconds(200))
        }
        return false
    }

    /// Waits until at least `count` tasks are sleeping; false after `timeout` seconds.
    @discardableResult
    public func waitForSleepers(_ count: Int, timeout: Double = 60) async -> Bool {
        let limit = Date().addingTimeInterval(timeout)
        while Date() < limit {
            if pendingSleeps.count >= count { return true }
            try? await Task.sleep(for: .microseconds(200))
        }
        return false
    }
}

/// A clock whose short sleeps return at once, advancing its time by the amount slept.
///
/// For tests of whole runs that should not wait: backoff and `delay` steps
/// return at once, and every sleep is recorded. Sleeps of `horizonMs` or more
/// never end on their own (only by cancellation), so the time limit that
/// races every step attempt (60 s by default) never fires; test time limits
/// with `ManualClock`.
public final class InstantClock: RunnerClock {
    private let state: Mutex<(now: Date, sleeps: [Int])>
    private let horizonMs: Int

    public init(start: Date = Date(timeIntervalSince1970: 1_767_225_600), horizonMs: Int = 30_000) {
        state = Mutex((start, []))
        self.horizonMs = horizonMs
    }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        if duration.milliseconds >= Double(horizonMs) {
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
        state.withLock { s in
            s.now = s.now.addingTimeInterval(duration.milliseconds / 1000)
            s.sleeps.append(Int(duration.milliseconds.rounded()))
        }
    }

    /// Every sleep so far, in milliseconds.
    public var sleeps: [Int] { state.withLock { $0.sleeps } }
}
