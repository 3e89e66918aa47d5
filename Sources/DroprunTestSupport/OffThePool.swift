import Foundation
import Synchronization

/// Runs blocking work (waiting for a child process) on a thread of its own, never on one of Swift concurrency's few threads.
///
/// On a 2-core machine the cooperative pool has two threads; a test that
/// blocks one while a child runs starves every other test's tasks.
///
/// The work, and everything it captured, is released on that thread before
/// the caller resumes: otherwise the thread could hold the last reference to
/// a test's `TemporaryRoot` after the test ended, and its folder would be
/// removed there, racing the end of the test process (which left
/// `droprun-test-*` folders behind in the temporary folder).
public func blockingWork<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let work = WorkSlot(body)
    return try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            let result = work.run()
            continuation.resume(with: result)
        }
    }
}

/// Holds a piece of work until it runs, then lets it go.
private final class WorkSlot<T: Sendable>: Sendable {
    private let body: Mutex<(@Sendable () throws -> T)?>

    init(_ body: @escaping @Sendable () throws -> T) { self.body = Mutex(body) }

    /// Runs the work and drops it (and what it captured) before returning its result.
    func run() -> Result<T, any Error> {
        guard
            let work = body.withLock({ slot in
                defer { slot = nil }; return slot
            })
        else {
            return .failure(CancellationError())
        }
        return Result { try work() }
    }
}
