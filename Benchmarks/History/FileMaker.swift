import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes small files fast: `openat` in an open folder, one `write`, the modification time, `close`; no temporary file, no flush.
///
/// The generated history is scaffolding, not data droprun must not lose:
/// the library's atomic writes (temporary file, rename, folder listing) would
/// take several times longer over millions of files.
struct FileMaker {
    let folder: Int32
    let path: String

    init(_ path: String) throws {
        self.path = path
        folder = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { throw BenchError("history: cannot open \(path): \(String(cString: strerror(errno)))") }
    }

    func close() { _ = Glibc.close(folder) }

    /// Creates `name` (relative to the folder; it must not exist) with `bytes`, modified at `mtimeMs`.
    func put(_ name: String, _ bytes: [UInt8], mtimeMs: Int64) throws {
        let fd = openat(folder, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("history: cannot create \(path)/\(name): \(String(cString: strerror(errno)))") }
        defer { _ = Glibc.close(fd) }
        try Self.writeAll(fd, bytes, name: name)
        futimens(fd, Self.times(mtimeMs))
    }

    /// Makes the folder `name`.
    func makeFolder(_ name: String) throws {
        guard mkdirat(folder, name, 0o755) == 0 else { throw BenchError("history: cannot make \(path)/\(name): \(String(cString: strerror(errno)))") }
    }

    /// Sets the modification time of `name`.
    func touch(_ name: String, mtimeMs: Int64) {
        utimensat(folder, name, Self.times(mtimeMs), 0)
    }

    /// Access and modification time, both `ms`, as `futimens` takes them.
    static func times(_ ms: Int64) -> [timespec] {
        let seconds = TimeText.floorDivide(ms, 1000)
        let t = timespec(tv_sec: Int(seconds), tv_nsec: Int((ms - seconds * 1000) * 1_000_000))
        return [t, t]
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], name: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw BenchError("history: cannot write \(name): \(String(cString: strerror(errno)))") }
                done += n
            }
        }
    }
}

/// A file written through a large buffer: an audit segment or an index file, opened once and appended to.
struct BufferedFile {
    static let flushBytes = 1 << 20

    let name: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes written so far, flushed or not.
    private(set) var size = 0
    var lastMs: Int64 = 0

    init(folder: FileMaker, name: String) throws {
        self.name = name
        fd = openat(folder.folder, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("history: cannot open \(folder.path)/\(name): \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(Self.flushBytes + 64 * 1024)
    }

    mutating func append(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        size += bytes.count
        if buffer.count >= Self.flushBytes { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try FileMaker.writeAll(fd, buffer, name: name)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, dates the file at its last line and closes it.
    mutating func close() throws {
        try flush()
        futimens(fd, FileMaker.times(lastMs))
        _ = Glibc.close(fd)
    }
}
