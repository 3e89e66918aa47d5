import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes everything written so far durable, sharing one flush among every run that waits at the same time.
///
/// `strict` durability needs each state change on disk before the next one
/// counts. One `fsync` per file and folder per run caps a runner at a few
/// hundred runs per second; instead, a run that reaches a commit point asks
/// for a flush and waits. If a flush is already under way, it waits for the
/// next one, which then covers every run that asked meanwhile: as databases
/// commit a group of transactions with one log flush. A flush is one
/// `syncfs(2)` of the root's file system (every file and folder written
/// before it, in one call); where `syncfs` is missing it falls back to
/// `sync(2)`. A call returns only after a flush that began after it completed.
public final class GroupCommit: Sendable {
    private struct State {
        var requested = 0
        var completed = 0
        var flushing = false
        var failure: Int32?
        var waiters: [(ticket: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var flushes = 0
    }

    private let root: String
    private let state = Mutex(State())
    /// The flushes run here, never on Dispatch's threads (which Swift concurrency shares on Linux).
    private let worker = WorkThread(name: "droprun-commit")
    private let flushNow: @Sendable (String) -> Int32

    /// A committer for the file system that holds `root`; `flush` is the flush itself (tests count calls).
    public init(root: String, flush: @escaping @Sendable (String) -> Int32 = GroupCommit.syncFileSystem) {
        self.root = root
        flushNow = flush
    }

    /// Flushes done so far.
    public var flushCount: Int { state.withLock { $0.flushes } }

    /// Returns once everything written before this call is durable.
    public func commit() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let start = state.withLock { s -> Bool in
                s.requested += 1
                s.waiters.append((s.requested, continuation))
                if s.flushing { return false }
                s.flushing = true
                return true
            }
            if start { scheduleFlush() }
        }
    }

    /// Flushes at once, on the calling thread (recovery, which is rare and not async); 0 on success, else `errno`.
    public func flushBlocking() -> Int32 {
        let code = flushNow(root)
        state.withLock { $0.flushes += 1 }
        return code
    }

    private func scheduleFlush() {
        worker.submit { [self] in
            let target = state.withLock { $0.requested }
            let code = flushNow(root)
            let (ready, again): ([CheckedContinuation<Void, any Error>], Bool) = state.withLock { s in
                s.flushes += 1
                s.completed = target
                if code != 0 { s.failure = code }
                let ready = s.waiters.filter { $0.ticket <= target }.map(\.continuation)
                s.waiters.removeAll { $0.ticket <= target }
                let again = s.requested > target
                if !again { s.flushing = false }
                return (ready, again)
            }
            for continuation in ready {
                if code == 0 {
                    continuation.resume()
                } else {
                    continuation.resume(throwing: FileSystemError("syncfs", path: root, code: code))
                }
            }
            if again { scheduleFlush() }
        }
    }

    /// `syncfs` of the file system holding `path` (found at run time), else `sync`; 0 on success, else `errno`.
    public static let syncFileSystem: @Sendable (String) -> Int32 = { path in
        #if os(Linux)
        if let syncfs = SyncFS.function {
            let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { return errno }
            defer { close(fd) }
            return syncfs(fd) == 0 ? 0 : errno
        }
        #endif
        sync()
        return 0
    }
}

#if os(Linux)
#endif
