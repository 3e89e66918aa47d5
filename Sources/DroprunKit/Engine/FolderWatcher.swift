import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Calls back when files arrive in a folder: inotify on Linux, nothing elsewhere (the runner polls).
///
/// The callback only says "look again": the runner rescans the folder, so
/// event names are not parsed and a queue overflow (`IN_Q_OVERFLOW`) needs no
/// special handling. The descriptor is non-blocking and drained to `EAGAIN`
/// on each wake. The source is created here, in the library: a dispatch
/// handler written in top-level code would be taken as main-actor isolated.
final class FolderWatcher: @unchecked Sendable {
    // Set once in init; the source is cancelled (closing the descriptor) once, in `cancel`.
    private let source: (any DispatchSourceRead)?

    /// Watches `path`; nil when the platform or the file system gives no events (the runner then only polls).
    init?(path: String, onChange: @escaping @Sendable () -> Void) {
        #if os(Linux)
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        let mask = UInt32(IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE)
        guard inotify_add_watch(fd, path, mask) >= 0 else {
            close(fd)
            return nil
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: DispatchQueue(label: "droprun.inbox-watcher"))
        source.setEventHandler {
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
            }
            onChange()
        }
        source.setCancelHandler { close(fd) }
        source.resume()
        self.source = source
        #else
        return nil
        #endif
    }

    /// True where events exist (Linux).
    static var isAvailable: Bool {
        #if os(Linux)
        true
        #else
        false
        #endif
    }

    /// Stops watching.
    func cancel() { source?.cancel() }
}
