import DroprunKit
import Foundation
import Synchronization

/// The real file system, recording every read of a file's bytes: which file, from where, how much.
final class ReadRecordingFileSystem: FileSystem {
    /// One read: `count` nil for a whole-file read (`readRegularFile`).
    struct Read: Sendable, Equatable {
        var path: String
        var offset: Int64
        var count: Int?
    }

    private let base = PosixFileSystem()
    private let log = Mutex<[Read]>([])

    /// Every read so far.
    var reads: [Read] { log.withLock { $0 } }

    func list(_ directory: String) throws(FileSystemError) -> [DirectoryEntry] { try base.list(directory) }
    func info(_ path: String) throws(FileSystemError) -> FileInfo? { try base.info(path) }
    func readRegularFile(_ path: String, maxBytes: Int) throws(ReadFileError) -> [UInt8] {
        log.withLock { $0.append(Read(path: path, offset: 0, count: nil)) }
        return try base.readRegularFile(path, maxBytes: maxBytes)
    }
    func readRange(_ path: String, offset: Int64, count: Int) throws(ReadFileError) -> [UInt8] {
        log.withLock { $0.append(Read(path: path, offset: offset, count: count)) }
        return try base.readRange(path, offset: offset, count: count)
    }
    func writeAtomically(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FileSystemError) { try base.writeAtomically(path, bytes, sync: sync) }
    func writeNew(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FileSystemError) { try base.writeNew(path, bytes, sync: sync) }
    func writeTemporary(besides path: String, _ bytes: [UInt8]) throws(FileSystemError) -> String {
        try base.writeTemporary(besides: path, bytes)
    }
    func rename(_ from: String, to: String) throws(FileSystemError) { try base.rename(from, to: to) }
    func replace(_ from: String, to: String, removeOld: Bool) throws(FileSystemError) -> String? {
        try base.replace(from, to: to, removeOld: removeOld)
    }
    func renameEntry(in directory: String, rawName: [UInt8], to: String) throws(FileSystemError) {
        try base.renameEntry(in: directory, rawName: rawName, to: to)
    }
    func link(_ from: String, to: String) throws(FileSystemError) { try base.link(from, to: to) }
    func remove(_ path: String) throws(FileSystemError) { try base.remove(path) }
    func makeDirectory(_ path: String) throws(FileSystemError) -> Bool { try base.makeDirectory(path) }
    func openForAppending(_ path: String) throws(FileSystemError) -> any AppendableFile { try base.openForAppending(path) }
    func syncDirectory(_ path: String) throws(FileSystemError) { try base.syncDirectory(path) }
    func setModified(_ path: String, to date: Date) throws(FileSystemError) { try base.setModified(path, to: date) }
    func touch(_ path: String) throws(FileSystemError) { try base.touch(path) }
    func overwriteExisting(_ path: String, _ bytes: [UInt8]) throws(FileSystemError) { try base.overwriteExisting(path, bytes) }
    func removeDirectory(_ path: String) throws(FileSystemError) { try base.removeDirectory(path) }
}
