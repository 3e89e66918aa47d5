import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `outbox/gc.lock`: one `gc` at a time per root (the command, or a `watch` pass), by an `fcntl(F_SETLK)` write lock.
///
/// Never waits: `acquire` either gets the lock or says who holds it (the
/// holder writes `host:pid` into the file). The lock goes with the process:
/// closing the file (`release`), or the process dying, frees it, so a killed
/// `gc` never leaves the root locked. `fcntl` locks work over NFS (lockd).
/// They belong to the process, not to the descriptor, so this process keeps
/// its own table of the locks it holds: a second `acquire` in the same process
/// is refused as it is from another one.
public final class GCLock: Sendable {
    /// Why the lock was not taken.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// Another `gc` holds it; its `host:pid` as it wrote it, when readable.
        case held(by: String?)
        /// The lock file cannot be opened or locked.
        case failed(FileSystemError)

        public var description: String {
            switch self {
            case .held(let holder):
                "another gc is working on this root (\(holder.map { "\($0), " } ?? "")it holds outbox/gc.lock); try again when it is done"
            case .failed(let error): "cannot take outbox/gc.lock: \(error)"
            }
        }
    }

    private static let heldHere = Mutex<Set<String>>([])

    private let path: String
    private let descriptor: Mutex<Int32>

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    deinit { release() }

    /// Takes the lock at `path` for `holder` (`host:pid`), without waiting.
    public static func acquire(_ path: String, holder: String) throws(Refusal) -> GCLock {
        let claimed = heldHere.withLock { $0.insert(path).inserted }
        guard claimed else { throw .held(by: holder + " in this process") }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            let code = errno
            heldHere.withLock { _ = $0.remove(path) }
            throw .failed(FileSystemError("open", path: path, code: code))
        }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 0
        lock.l_len = 0
        if fcntl(fd, F_SETLK, &lock) != 0 {
            let code = errno
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            heldHere.withLock { _ = $0.remove(path) }
            guard code == EAGAIN || code == EACCES else { throw .failed(FileSystemError("fcntl", path: path, code: code)) }
            let text = n > 0 ? String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            throw .held(by: text.isEmpty ? nil : text)
        }
        let text = Array((holder + "\n").utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return GCLock(path: path, descriptor: fd)
    }

    /// Takes the root's lock (`outbox/gc.lock`) for `identity`.
    public static func acquire(layout: RootLayout, identity: RunnerIdentity) throws(Refusal) -> GCLock {
        try acquire(layout.gcLock, holder: identity.actor)
    }

    /// Frees the lock (closing the file); a second call does nothing.
    public func release() {
        let fd = descriptor.withLock { fd in
            defer { fd = -1 }
            return fd
        }
        guard fd >= 0 else { return }
        close(fd)
        Self.heldHere.withLock { _ = $0.remove(path) }
    }
}
