import Synchronization

/// Ends a `run --once` pass at a stop (SIGTERM, SIGINT, SIGHUP): a wait is cut at once, running steps get `grace`.
///
/// Each piece of the pass runs in a task of its own that the stop cancels:
/// at once (`.stop`: a wait for files to settle), or when the grace period
/// after the stop is over (`.graceOver`: a batch of runs, whose steps are then
/// interrupted and checkpointed, as `watch` does).
final class PassInterrupter: Sendable {
    /// When a piece of the pass is cancelled.
    enum Moment: Sendable, Equatable {
        /// As soon as the stop is asked for.
        case stop
        /// When the grace period after the stop is over.
        case graceOver
    }

    private struct State {
        var stopped = false
        var graceOver = false
        var next = 0
        var pieces: [Int: (moment: Moment, cancel: @Sendable () -> Void)] = [:]
    }

    private let state = Mutex(State())

    init(stop: StopToken, clock: any RunnerClock, grace: Duration) {
        stop.onStop { [weak self] in
            self?.reach(.stop)
            Task.detached { [weak self] in
                try? await clock.sleep(for: grace)
                self?.reach(.graceOver)
            }
        }
    }

    /// Runs `operation` until it ends, or until `moment` cancels it (at once if that moment has come).
    func run<T: Sendable>(cancelledAt moment: Moment, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await operation() }
        let cancel: @Sendable () -> Void = { task.cancel() }
        let (id, passed) = state.withLock { s -> (Int, Bool) in
            s.next += 1
            s.pieces[s.next] = (moment, cancel)
            return (s.next, moment == .stop ? s.stopped : s.graceOver)
        }
        if passed { task.cancel() }
        defer { _ = state.withLock { $0.pieces.removeValue(forKey: id) } }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    private func reach(_ moment: Moment) {
        let cancels = state.withLock { s -> [@Sendable () -> Void] in
            if moment == .stop { s.stopped = true } else { s.graceOver = true }
            return s.pieces.values.filter { $0.moment == moment }.map(\.cancel)
        }
        for cancel in cancels { cancel() }
    }
}
