/// Why an attempt was cut short.
enum Interruption: Error, Equatable {
    /// The step's `timeoutMs`.
    case stepLimit(ms: Int)
    /// The run's `timeoutSeconds`.
    case runLimit
    /// Someone asked to cancel the run.
    case cancelRequested
}

/// Runs `operation`, cutting it short when `limitMs` passes on `clock` or `cancelRequested()` turns true.
///
/// The operation, a sleep on the injected clock, and a cancel poll race in a
/// task group; whichever ends first decides, and the others are cancelled.
/// Tests trip time limits by advancing a manual clock.
func withInterruptions<T: Sendable>(
    limitMs: Int?, limitReason: Interruption, clock: any RunnerClock, pollInterval: Duration,
    cancelRequested: @escaping @Sendable () -> Bool,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        if let limitMs {
            group.addTask {
                try await clock.sleep(for: .milliseconds(limitMs))
                throw limitReason
            }
        }
        group.addTask {
            while true {
                try await Task.sleep(for: pollInterval)
                if cancelRequested() { throw Interruption.cancelRequested }
            }
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw limitReason }
        return value
    }
}
