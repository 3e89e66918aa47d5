import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The live file system: thin wrappers over the C library's calls.
///
/// Foundation's file APIs are avoided on purpose: `Data.write` fsyncs every
/// file, `moveItem` is not an atomic rename, and `FileHandle` does not append
/// atomically (see the README's design notes).
public struct PosixFileSystem: FileSystem {
    public init() {}

    public func list(_ directory: String) throws(FileSystemError) -> [DirectoryEntry] {
        guard let dir = opendir(directory) else { throw FileSystemError("opendir", path: directory, code: errno) }
        defer { closedir(dir) }
        var entries: [DirectoryEntry] = []
        while let entry = readdir(dir) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in
                let all = raw.bindMemory(to: UInt8.self)
                let length = all.firstIndex(of: 0) ?? all.count
                return Array(all[0..<length])
            }
            let type = Self.type(fromDirent: entry.pointee.d_type)
            guard let name = String(validating: bytes, as: UTF8.self) else {
                entries.append(DirectoryEntry(name: DirectoryEntry.escapedName(bytes), type: type, rawName: bytes))
                continue
            }
            if name == "." || name == ".." { continue }
            entries.append(DirectoryEntry(name: name, type: type))
        }
        return entries
    }

    private static func type(fromDirent t: UInt8) -> FileType? {
        switch Int32(t) {
        case Int32(DT_REG): .regular
        case Int32(DT_DIR): .directory
        case Int32(DT_LNK): .symlink
        case Int32(DT_FIFO): .fifo
        case Int32(DT_SOCK): .socket
        case Int32(DT_CHR): .characterDevice
        case Int32(DT_BLK): .blockDevice
        default: nil
        }
    }

    static func type(fromMode mode: mode_t) -> FileType {
        switch mode & S_IFMT {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        case S_IFIFO: .fifo
        case S_IFSOCK: .socket
        case S_IFCHR: .characterDevice
        case S_IFBLK: .blockDevice
        default: .unknown
        }
    }

    static func fileInfo(_ st: stat) -> FileInfo {
        #if canImport(Darwin)
        let seconds = Double(st.st_mtimespec.tv_sec) + Double(st.st_mtimespec.tv_nsec) / 1e9
        #else
        let seconds = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        #endif
        return FileInfo(
            type: type(fromMode: st.st_mode), size: Int64(st.st_size),
            modified: Date(timeIntervalSince1970: seconds), inode: UInt64(st.st_ino),
            owner: UInt32(st.st_uid), permissions: UInt32(st.st_mode) & 0o7777, device: UInt64(st.st_dev))
    }

    public func info(_ path: String) throws(FileSystemError) -> FileInfo? {
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw FileSystemError("lstat", path: path, code: errno)
        }
        return Self.fileInfo(st)
    }

    public func readRegularFile(_ path: String, maxBytes: Int) throws(ReadFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { throw .notFound }
            if code == ELOOP || code == EMLINK {
                throw .notRegular(.symlink)
            }
            if code == ENXIO || code == EISDIR || code == ENODEV {
                let type = (try? info(path))?.type ?? .unknown
                throw .notRegular(type)
            }
            throw .unreadable(FileSystemError("open", path: path, code: code))
        }
        defer { posixClose(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .unreadable(FileSystemError("fstat", path: path, code: errno)) }
        let type = Self.type(fromMode: st.st_mode)
        guard type == .regular else { throw .notRegular(type) }
        if st.st_size > Int64(maxBytes) { throw .tooLarge(size: Int64(st.st_size), limit: maxBytes) }
        // Read up to one byte past the limit, in case the file grew since fstat.
        let capacity = Int(st.st_size) + 1
        var buffer = [UInt8](repeating: 0, count: min(max(capacity, 1), maxBytes + 1))
        var total = 0
        while true {
            if total == buffer.count {
                if buffer.count > maxBytes { break }
                buffer.append(contentsOf: [UInt8](repeating: 0, count: min(buffer.count, maxBytes + 1 - buffer.count)))
            }
            let n = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress.map { $0 + total }, raw.count - total)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(FileSystemError("read", path: path, code: errno))
            }
            if n == 0 { break }
            total += n
        }
        if total > maxBytes { throw .tooLarge(size: Int64(total), limit: maxBytes) }
        buffer.removeSubrange(total...)
        return buffer
    }

    public func readRange(_ path: String, offset: Int64, count: Int) throws(ReadFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT { throw .notFound }
            if code == ELOOP || code == EMLINK { throw .notRegular(.symlink) }
            if code == ENXIO || code == EISDIR || code == ENODEV { throw .notRegular((try? info(path))?.type ?? .unknown) }
            throw .unreadable(FileSystemError("open", path: path, code: code))
        }
        defer { posixClose(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .unreadable(FileSystemError("fstat", path: path, code: errno)) }
        guard Self.type(fromMode: st.st_mode) == .regular else { throw .notRegular(Self.type(fromMode: st.st_mode)) }
        var buffer = [UInt8](repeating: 0, count: max(count, 0))
        var total = 0
        while total < buffer.count {
            let n = buffer.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress.map { $0 + total }, raw.count - total, off_t(offset) + off_t(total))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(FileSystemError("pread", path: path, code: errno))
            }
            if n == 0 { break }
            total += n
        }
        buffer.removeSubrange(total...)
        return buffer
    }

    public func writeAtomically(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FileSystemError) {
        try writeViaTemporary(path, bytes, sync: sync, replace: true)
    }

    public func writeNew(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FileSystemError) {
        try writeViaTemporary(path, bytes, sync: sync, replace: false)
    }

    public func writeTemporary(besides path: String, _ bytes: [UInt8]) throws(FileSystemError) -> String {
        let temp = Path.temporary(besides: path)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError("open", path: temp, code: errno) }
        defer { posixClose(fd) }
        do throws(FileSystemError) {
            try Self.writeAll(fd, bytes, path: temp)
        } catch {
            unlink(temp)
            throw error
        }
        return temp
    }

    private func writeViaTemporary(_ path: String, _ bytes: [UInt8], sync: Bool, replace: Bool) throws(FileSystemError) {
        let folder = Path.parent(path)
        let temp = Path.temporary(besides: path)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError("open", path: temp, code: errno) }
        do throws(FileSystemError) {
            try Self.writeAll(fd, bytes, path: temp)
            if sync, fsync(fd) != 0 { throw FileSystemError("fsync", path: temp, code: errno) }
        } catch {
            posixClose(fd)
            unlink(temp)
            throw error
        }
        posixClose(fd)
        if replace {
            if posixRename(temp, path) != 0 {
                let code = errno
                unlink(temp)
                throw FileSystemError("rename", path: path, code: code)
            }
        } else {
            let linked = posixLink(temp, path)
            let code = errno
            unlink(temp)
            if linked != 0 { throw FileSystemError("link", path: path, code: code) }
        }
        if sync { try syncDirectory(folder) }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(FileSystemError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("write", path: path, code: errno)
            }
            written += n
        }
    }

    public func rename(_ from: String, to: String) throws(FileSystemError) {
        if posixRename(from, to) != 0 { throw FileSystemError("rename", path: from, code: errno) }
    }

    @discardableResult
    public func replace(_ from: String, to: String, removeOld: Bool) throws(FileSystemError) -> String? {
        #if os(Linux)
        if let exchange = RenameAt2.function {
            if exchange(RenameAt2.currentDirectory, from, RenameAt2.currentDirectory, to, RenameAt2.exchange) == 0 {
                guard removeOld else { return from }
                if unlink(from) == 0 || errno == ENOENT { return nil }
                // What was at `to` is not a file (a folder): swap back and fail as `rename` would.
                let code = errno
                _ = exchange(RenameAt2.currentDirectory, from, RenameAt2.currentDirectory, to, RenameAt2.exchange)
                throw FileSystemError("rename", path: to, code: code)
            }
            // ENOENT: nothing to replace yet (or no `from`, which `rename` reports); EINVAL: the file system cannot swap.
        }
        #endif
        try rename(from, to: to)
        return nil
    }

    public func renameEntry(in directory: String, rawName: [UInt8], to: String) throws(FileSystemError) {
        var path = Array(directory.utf8)
        path.append(UInt8(ascii: "/"))
        path.append(contentsOf: rawName)
        path.append(0)
        let result = path.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { posixRenameC($0.baseAddress, to) }
        }
        if result != 0 { throw FileSystemError("rename", path: Path.join(directory, DirectoryEntry.escapedName(rawName)), code: errno) }
    }

    public func link(_ from: String, to: String) throws(FileSystemError) {
        if posixLink(from, to) != 0 { throw FileSystemError("link", path: to, code: errno) }
    }

    public func remove(_ path: String) throws(FileSystemError) {
        if unlink(path) != 0 { throw FileSystemError("unlink", path: path, code: errno) }
    }

    @discardableResult
    public func makeDirectory(_ path: String) throws(FileSystemError) -> Bool {
        if mkdir(path, 0o755) == 0 { return true }
        let code = errno
        if code == EEXIST {
            if let found = try info(path), found.type == .directory { return false }
            throw FileSystemError("mkdir", path: path, code: code)
        }
        if code == ENOENT {
            let parent = Path.parent(path)
            guard parent != path, parent != ".", parent != "/" else { throw FileSystemError("mkdir", path: path, code: code) }
            try makeDirectory(parent)
            if mkdir(path, 0o755) == 0 { return true }
            if errno == EEXIST { return false }
        }
        throw FileSystemError("mkdir", path: path, code: errno)
    }

    public func openForAppending(_ path: String) throws(FileSystemError) -> any AppendableFile {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystemError("open", path: path, code: errno) }
        return PosixAppendableFile(fd: fd, path: path)
    }

    public func syncDirectory(_ path: String) throws(FileSystemError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open", path: path, code: errno) }
        defer { posixClose(fd) }
        if fsync(fd) != 0 && errno != EINVAL { throw FileSystemError("fsync", path: path, code: errno) }
    }

    public func touch(_ path: String) throws(FileSystemError) {
        // A null time list means "now" for both times.
        if utimensat(AT_FDCWD, path, nil, AT_SYMLINK_NOFOLLOW) != 0 {
            throw FileSystemError("utimensat", path: path, code: errno)
        }
    }

    public func removeDirectory(_ path: String) throws(FileSystemError) {
        if rmdir(path) != 0 { throw FileSystemError("rmdir", path: path, code: errno) }
    }

    public func overwriteExisting(_ path: String, _ bytes: [UInt8]) throws(FileSystemError) {
        // No O_CREAT: a file another process removed stays removed. No O_TRUNC: a reader never sees it empty.
        let fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("open", path: path, code: errno) }
        defer { posixClose(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                pwrite(fd, raw.baseAddress.map { $0 + written }, raw.count - written, off_t(written))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystemError("pwrite", path: path, code: errno)
            }
            written += n
        }
        if ftruncate(fd, off_t(bytes.count)) != 0 { throw FileSystemError("ftruncate", path: path, code: errno) }
    }

    public func setModified(_ path: String, to date: Date) throws(FileSystemError) {
        let seconds = date.timeIntervalSince1970
        var times = [timespec](repeating: timespec(), count: 2)
        times[0].tv_sec = Int(seconds.rounded(.down))
        times[0].tv_nsec = Int((seconds - seconds.rounded(.down)) * 1e9)
        times[1] = times[0]
        if utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) != 0 {
            throw FileSystemError("utimensat", path: path, code: errno)
        }
    }
}

#if os(Linux)
/// `renameat2`, which Glibc's Swift module does not export: looked up once (glibc 2.28 and later have it).
enum RenameAt2 {
    typealias Function = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    static let currentDirectory: Int32 = -100  // AT_FDCWD
    static let exchange: UInt32 = 2  // RENAME_EXCHANGE
    static let function: Function? = DynamicSymbol.address("renameat2").map { unsafeBitCast($0, to: Function.self) }
}
#endif
