import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Collects inotify events of a folder (Linux; nothing elsewhere, where the runner polls) and calls back when some arrived.
///
/// Events are read by byte offset (Swift does not import the event's
/// variable-length name) into a buffer that the runner drains with
/// `drain()`; the callback only says "events are waiting" and the runner
/// coalesces it, so a burst of events costs one look. The buffer is bounded:
/// past `maxBuffered` events (or on the kernel's `IN_Q_OVERFLOW`) it is
/// dropped and marked overflowed, and the runner lists the folder and judges
/// its files by observation instead. The descriptor is non-blocking and read
/// to `EAGAIN` both by the dispatch source and by `drain()`, under one lock.
/// The source is created here, in the library: a dispatch handler written in
/// top-level code would be taken as main-actor isolated.
final class FolderWatcher: @unchecked Sendable {
    /// Events held at most before the buffer counts as overflowed.
    static let maxBuffered = 65_536

    fileprivate struct Buffer {
        var events: [InboxEvent] = []
        var overflowed = false
        /// Where the descriptor is read into, kept from one read to the next.
        var bytes: [UInt8] = []
    }

    // Shared by the dispatch handler and `drain()`.
    private final class Box: Sendable {
        let buffer = Mutex(Buffer())
    }

    // Set once in init; the source is cancelled (closing the descriptor) once, in `cancel`. The descriptor is read only under `buffer`'s lock.
    private let source: (any DispatchSourceRead)?
    private let fd: Int32
    private let box = Box()

    /// Watches `path`; nil when the platform or the file system gives no events (the runner then only polls).
    init?(path: String, onChange: @escaping @Sendable () -> Void) {
        #if os(Linux)
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        let mask = UInt32(IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_MODIFY | IN_ATTRIB)
        guard inotify_add_watch(fd, path, mask) >= 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: DispatchQueue(label: "droprun.inbox-watcher"))
        self.source = source
        source.setEventHandler { [box] in
            let arrived = box.buffer.withLock { Self.readAll(fd, into: &$0) }
            if arrived { onChange() }
        }
        source.setCancelHandler { close(fd) }
        source.resume()
        #else
        return nil
        #endif
    }

    /// The events read so far (reading what the kernel holds now first), and whether some were lost since the last drain.
    func drain() -> (events: [InboxEvent], overflowed: Bool) {
        box.buffer.withLock { b in
            _ = Self.readAll(fd, into: &b)
            defer {
                b.events = []
                b.overflowed = false
            }
            return (b.events, b.overflowed)
        }
    }

    /// Reads the descriptor to `EAGAIN`; true when anything was read.
    private static func readAll(_ fd: Int32, into b: inout Buffer) -> Bool {
        #if os(Linux)
        if b.bytes.isEmpty { b.bytes = [UInt8](repeating: 0, count: 64 * 1024) }
        var bytes = b.bytes
        b.bytes = []
        defer { b.bytes = bytes }
        var any = false
        while true {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            any = true
            parse(bytes[0..<n], into: &b)
        }
        return any
        #else
        return false
        #endif
    }

    /// Splits a read into events: a 16-byte header (`wd`, `mask`, `cookie`, `len`), then `len` bytes of NUL-padded name.
    private static func parse(_ bytes: ArraySlice<UInt8>, into b: inout Buffer) {
        #if os(Linux)
        var offset = bytes.startIndex
        while offset + 16 <= bytes.endIndex {
            func word(_ at: Int) -> UInt32 {
                UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
            }
            let mask = word(offset + 4)
            let length = Int(word(offset + 12))
            let nameStart = offset + 16
            let nameEnd = min(nameStart + length, bytes.endIndex)
            offset = nameStart + length
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                b.overflowed = true
                b.events.removeAll()
                continue
            }
            let raw = bytes[nameStart..<nameEnd].prefix { $0 != 0 }
            guard !raw.isEmpty, let name = String(validating: raw, as: UTF8.self) else { continue }
            let kind: InboxEventKind
            if mask & UInt32(IN_MOVED_TO) != 0 {
                kind = .renamedIn
            } else if mask & UInt32(IN_CLOSE_WRITE) != 0 {
                kind = .closed
            } else if mask & UInt32(IN_CREATE) != 0 {
                kind = .created
            } else if mask & UInt32(IN_MODIFY) != 0 {
                kind = .written
            } else if mask & UInt32(IN_ATTRIB) != 0 {
                kind = .attributes
            } else {
                continue
            }
            if b.events.count >= maxBuffered {
                b.overflowed = true
                b.events.removeAll()
            }
            b.events.append(InboxEvent(name: name, kind: kind))
        }
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
