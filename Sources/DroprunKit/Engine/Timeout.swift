/// Which limit cut an attempt short.
enum TimeLimit: Error, Equatable {
    /// The step's `timeoutMs`.
    case step(ms: Int)
    /// The run's `timeoutSeconds`.
    case run
}

/// Runs `operation`, cancelling it when `limitMs` passes on `clock` first.
///
/// The operation and a sleep race in a task group; whichever ends first
/// decides, and the other is cancelled. Driven by the injected clock, so tests
/// trip timeouts by advancing a manual clock.
func withTimeLimit<T: Sendable>(
    _ limitMs: Int, reason: TimeLimit, clock: any RunnerClock,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await clock.sleep(for: .milliseconds(limitMs))
            throw reason
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw reason }
        return value
    }
}
