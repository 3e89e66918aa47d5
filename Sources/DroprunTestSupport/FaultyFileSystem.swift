import DroprunKit
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real file system with failures injected where a test asks for them.
///
/// A rule names an operation (`read`, `writeAtomically`, `writeNew`, `rename`, `replace`,
/// `link`, `remove`, `append`, `list`, `makeDirectory`, `syncDirectory`, `touch`, `overwriteExisting`), a
/// part of the path it must contain, and the `errno` to fail with; it fires
/// `times` times (nil: always).
///
/// A rule made with `kills` stands for the process being killed just before
/// that operation: it and every later operation fail, appends to files opened
/// earlier included, so what is on disk is what a `kill -9` there would leave.
public final class FaultyFileSystem: FileSystem {
    /// One injected failure.
    public struct Rule: Sendable {
        public var operation: String
        public var pathContains: String
        public var code: Int32
        public var times: Int?
        public var kills = false

        public init(_ operation: String, pathContains: String = "", code: Int32 = EIO, times: Int? = nil) {
            self.operation = operation
            self.pathContains = pathContains
            self.code = code
            self.times = times
        }

        /// The process dies just before the first `operation` on a path containing `pathContains`.
        public static func kills(before operation: String, pathContains: String = "") -> Rule {
            var rule = Rule(operation, pathContains: pathContains, times: 1)
            rule.kills = true
            return rule
        }
    }

    private let base = PosixFileSystem()
    private let rules: Mutex<[Rule]>
    private let log = Mutex<[String]>([])
    private let infoPaths = Mutex<[String]>([])
    private let dead = Mutex(false)
    private let threads = Mutex<[String]>([])

    /// True once a `kills` rule fired.
    public var isDead: Bool { dead.withLock { $0 } }

    public init(_ rules: [Rule] = []) { self.rules = Mutex(rules) }

    /// Adds a rule.
    public func inject(_ rule: Rule) { rules.withLock { $0.append(rule) } }

    /// The name of the thread (`Thread.current.name`, "" for none) each operation of `operations` was made on, by index.
    public var operationThreads: [String] { threads.withLock { $0 } }

    /// Every operation performed, as `operation path`.
    public var operations: [String] { log.withLock { $0 } }

    func check(_ operation: String, _ path: String) throws(FileSystemError) {
        if isDead { throw FileSystemError(operation, path: path, code: EIO) }
        log.withLock { $0.append("\(operation) \(path)") }
        let thread = Thread.current.name ?? ""
        threads.withLock { $0.append(thread) }
        let code: Int32? = rules.withLock { rules in
            guard
                let index = rules.firstIndex(where: {
                    $0.operation == operation && (($0.pathContains.isEmpty) || path.contains($0.pathContains)) && ($0.times ?? 1) > 0
                })
            else { return nil }
            if let times = rules[index].times { rules[index].times = times - 1 }
            if rules[index].kills { dead.withLock { $0 = true } }
            return rules[index].code
        }
        if let code { throw FileSystemError(operation, path: path, code: code) }
    }

    public func list(_ directory: String) throws(FileSystemError) -> [DirectoryEntry] {
        try check("list", directory)
        return try base.list(directory)
    }

    public func info(_ path: String) throws(FileSystemError) -> FileInfo? {
        infoPaths.withLock { $0.append(path) }
        return try base.info(path)
    }

    /// How many `lstat`s were made of paths inside `folder` (not in `operations`: they are too many to read).
    public func infoCalls(inside folder: String) -> Int {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        return infoPaths.withLock { $0.filter { $0.hasPrefix(prefix) }.count }
    }

    public func readRange(_ path: String, offset: Int64, count: Int) throws(ReadFileError) -> [UInt8] {
        do {
            try check("read", path)
        } catch {
            throw .unreadable(error)
        }
        return try base.readRange(path, offset: offset, count: count)
    }

    public func readRegularFile(_ path: String, maxBytes: Int) throws(ReadFileError) -> [UInt8] {
        do {
            try check("read", path)
        } catch {
            throw .unreadable(error)
        }
        return try base.readRegularFile(path, maxBytes: maxBytes)
    }

    public func writeAtomically(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FileSystemError) {
        try check("writeAtomically", path)
        try base.writeAtomically(path, bytes, sync: sync)
    }

    public func writeNew(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FileSystemError) {
        try check("writeNew", path)
        try base.writeNew(path, bytes, sync: sync)
    }

    public func writeTemporary(besides path: String, _ bytes: [UInt8]) throws(FileSystemError) -> String {
        try check("writeTemporary", path)
        return try base.writeTemporary(besides: path, bytes)
    }

    public func rename(_ from: String, to: String) throws(FileSystemError) {
        try check("rename", from + " -> " + to)
        try base.rename(from, to: to)
    }

    @discardableResult
    public func replace(_ from: String, to: String, removeOld: Bool) throws(FileSystemError) -> String? {
        try check("replace", to)
        return try base.replace(from, to: to, removeOld: removeOld)
    }

    public func renameEntry(in directory: String, rawName: [UInt8], to: String) throws(FileSystemError) {
        try check("rename", directory + " -> " + to)
        try base.renameEntry(in: directory, rawName: rawName, to: to)
    }

    public func link(_ from: String, to: String) throws(FileSystemError) {
        try check("link", from + " -> " + to)
        try base.link(from, to: to)
    }

    public func remove(_ path: String) throws(FileSystemError) {
        try check("remove", path)
        try base.remove(path)
    }

    @discardableResult
    public func makeDirectory(_ path: String) throws(FileSystemError) -> Bool {
        try check("makeDirectory", path)
        return try base.makeDirectory(path)
    }

    public func openForAppending(_ path: String) throws(FileSystemError) -> any AppendableFile {
        try check("append", path)
        return FaultyAppendableFile(base: try base.openForAppending(path), path: path, fileSystem: self)
    }

    public func syncDirectory(_ path: String) throws(FileSystemError) {
        try check("syncDirectory", path)
        try base.syncDirectory(path)
    }

    public func setModified(_ path: String, to date: Date) throws(FileSystemError) { try base.setModified(path, to: date) }

    public func touch(_ path: String) throws(FileSystemError) {
        try check("touch", path)
        try base.touch(path)
    }

    public func removeDirectory(_ path: String) throws(FileSystemError) {
        try check("removeDirectory", path)
        try base.removeDirectory(path)
    }

    public func overwriteExisting(_ path: String, _ bytes: [UInt8]) throws(FileSystemError) {
        try check("overwriteExisting", path)
        try base.overwriteExisting(path, bytes)
    }
}

/// A file open for appending whose appends and flushes pass the file system's rules.
final class FaultyAppendableFile: AppendableFile {
    let base: any AppendableFile
    let path: String
    let fileSystem: FaultyFileSystem

    init(base: any AppendableFile, path: String, fileSystem: FaultyFileSystem) {
        self.base = base
        self.path = path
        self.fileSystem = fileSystem
    }

    func append(_ bytes: [UInt8]) throws(FileSystemError) {
        try fileSystem.check("append", path)
        try base.append(bytes)
    }

    func sync() throws(FileSystemError) {
        try fileSystem.check("sync", path)
        try base.sync()
    }

    func close() { base.close() }

    func info() -> FileInfo? { base.info() }
}
