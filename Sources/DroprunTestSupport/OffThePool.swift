import Foundation

/// Runs blocking work (waiting for a child process) on a thread of its own, never on one of Swift concurrency's few threads.
///
/// On a 2-core machine the cooperative pool has two threads; a test that
/// blocks one while a child runs starves every other test's tasks.
public func blockingWork<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
