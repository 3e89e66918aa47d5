import Foundation
import Synchronization

/// Claimed files this runner could not admit for now, to try again later.
///
/// One file never stops a runner: when admitting a claimed file fails (the
/// disk refused a write, a link or a rename), the file stays in this
/// runner's claim folder, a line says so, and the runner goes on with the
/// others. `watch` offers it again after a backoff (1 s, doubling up to
/// 60 s); a runner that exits first (`run --once`) leaves it there, and the
/// next runner takes it over as a dead runner's claim. A claim offered again
/// counts as recovered, so what it already did (a reserved run id, an applied
/// approval) is recognised, never done twice.
final class DeferredClaims: Sendable {
    /// The wait before the first new try.
    static let firstBackoff: TimeInterval = 1
    /// The longest wait between tries.
    static let maxBackoff: TimeInterval = 60

    private struct State {
        /// Claims waiting for their next try, by path, with when it is due.
        var waiting: [String: (claim: ClaimedFile, due: Date)] = [:]
        /// Failures so far, by claim path.
        var failures: [String: Int] = [:]
    }

    private let state = Mutex(State())

    /// Notes that `claim` could not be admitted at `now`; returns how long until it is offered again.
    func postpone(_ claim: ClaimedFile, now: Date) -> TimeInterval {
        state.withLock { state in
            let failures = (state.failures[claim.path] ?? 0) + 1
            state.failures[claim.path] = failures
            let wait = min(Self.maxBackoff, Self.firstBackoff * pow(2, Double(min(failures - 1, 16))))
            state.waiting[claim.path] = (claim, now.addingTimeInterval(wait))
            return wait
        }
    }

    /// Forgets the failures of the claim at `path` once it was admitted (or is gone), so a later drop under the same
    /// name starts again at the first backoff.
    func settled(_ path: String) {
        state.withLock { state in
            state.failures[path] = nil
            state.waiting[path] = nil
        }
    }

    /// Takes the claims whose time has come, as claims recovered from `runner` (this runner's folder name).
    func due(at now: Date, runner: String) -> [ClaimedFile] {
        state.withLock { state in
            let ready = state.waiting.values.filter { $0.due <= now }.sorted { $0.claim.path < $1.claim.path }
            for entry in ready { state.waiting[entry.claim.path] = nil }
            return ready.map { entry in
                var claim = entry.claim
                claim.recoveredFrom = runner
                return claim
            }
        }
    }

    /// Milliseconds until the next claim is due (at least 1), or nil when none waits.
    func nextDueMs(now: Date) -> Int? {
        state.withLock { state in
            state.waiting.values.map(\.due).min().map { max(1, Int(($0.timeIntervalSince(now) * 1000).rounded(.up))) }
        }
    }

    /// How many claims wait for a new try.
    var count: Int { state.withLock { $0.waiting.count } }
}
