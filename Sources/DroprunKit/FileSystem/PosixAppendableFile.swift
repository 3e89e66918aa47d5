import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An `O_APPEND` file descriptor. Its only state is the descriptor, fixed at creation.
final class PosixAppendableFile: AppendableFile, @unchecked Sendable {
    private let fd: Int32
    private let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    func append(_ bytes: [UInt8]) throws(FileSystemError) {
        try PosixFileSystem.writeAll(fd, bytes, path: path)
    }

    func sync() throws(FileSystemError) {
        #if canImport(Darwin)
        if fsync(fd) != 0 { throw FileSystemError("fsync", path: path, code: errno) }
        #else
        if fdatasync(fd) != 0 { throw FileSystemError("fdatasync", path: path, code: errno) }
        #endif
    }

    func close() { posixClose(fd) }

    func info() -> FileInfo? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return PosixFileSystem.fileInfo(st)
    }
}
