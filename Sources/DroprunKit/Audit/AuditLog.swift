import Foundation
import Synchronization

/// Appends hash-chained events to this process's own file under `outbox/audit/`.
///
/// Each runner process writes its own chain, in a file named after its start
/// time, host and process id (`20261122T100000Z-host-1234.jsonl`). Several
/// runners therefore never append to one file, so chains never interleave and
/// no lock is needed, on one machine or over NFS (the Maildir rule: different
/// processes never touch the same file). `droprun audit` merges the files by time.
///
/// Each line is one event in canonical compact JSON (see `JSONWriter`) with
/// `at`, `event`, `actor`, `runId` (when about a run), `data`, `prev` (the
/// previous line's hash, 64 zeros for the first line of a file) and `hash`:
/// the SHA-256 of the canonical line without its `hash` member. A line is
/// written with one `write(2)` on an `O_APPEND` descriptor.
public final class AuditLog: Sendable {
    /// 64 zeros: the `prev` of a chain's first event.
    public static let genesis = String(repeating: "0", count: 64)

    private struct State {
        var file: (any AppendableFile)?
        var prev = AuditLog.genesis
        var dirty = false
    }

    private let folder: String
    private let fileName: String
    private let fileSystem: any FileSystem
    private let actor: String
    private let state = Mutex(State())

    /// A log for one runner; its file is created at the first event.
    public init(folder: String, runner: RunnerIdentity, startedAt: Date, fileSystem: any FileSystem) {
        self.folder = folder
        self.fileSystem = fileSystem
        actor = runner.actor
        fileName = "\(Timestamp.compact(startedAt))-\(runner.folderName).jsonl"
    }

    /// The path of this process's chain.
    public var path: String { Path.join(folder, fileName) }

    /// The file names (under `outbox/audit/`) of this chain's segments that hold events written at or after `date`,
    /// oldest first: what an index line names as where a run's events are.
    public func segmentNames(since date: Date) -> [String] { [fileName] }

    /// Appends one typed event (its name and `data`).
    public func record(_ event: AuditEvent, runId: String?, at: Date) throws(FileSystemError) {
        try record(event.name, runId: runId, at: at, data: event.data)
    }

    /// Appends one event.
    ///
    /// The line is built once, in canonical member order (`actor`, `at`,
    /// `data`, `event`, `hash`, `prev`, `runId`): the hash covers the same
    /// bytes without the `hash` member. Only the chaining, the hash and the
    /// `write(2)` happen under the lock.
    public func record(_ event: AuditEventName, runId: String?, at: Date, data: [String: JSONValue] = [:]) throws(FileSystemError) {
        var head: [UInt8] = []
        head.reserveCapacity(384)
        head.append(contentsOf: #"{"actor":"#.utf8)
        JSONWriter.appendString(actor, to: &head)
        head.append(contentsOf: #","at":"#.utf8)
        JSONWriter.appendString(Timestamp.format(at), to: &head)
        head.append(contentsOf: #","data":"#.utf8)
        JSONWriter.appendCompact(.object(data), to: &head)
        head.append(contentsOf: #","event":"#.utf8)
        JSONWriter.appendString(event.rawValue, to: &head)
        head.append(UInt8(ascii: ","))
        var tail: [UInt8] = []
        if let runId {
            tail.append(contentsOf: #","runId":"#.utf8)
            JSONWriter.appendString(runId, to: &tail)
        }
        tail.append(UInt8(ascii: "}"))
        try state.withLock { (state: inout State) throws(FileSystemError) in
            var prev = Array(#""prev":""#.utf8)
            prev.append(contentsOf: state.prev.utf8)
            prev.append(UInt8(ascii: "\""))
            var hasher = SHA256()
            hasher.update(head)
            hasher.update(prev)
            hasher.update(tail)
            let hash = hasher.finalize().hexString
            var line = head
            line.reserveCapacity(head.count + prev.count + tail.count + 80)
            line.append(contentsOf: #""hash":""#.utf8)
            line.append(contentsOf: hash.utf8)
            line.append(contentsOf: #"","#.utf8)
            line.append(contentsOf: prev)
            line.append(contentsOf: tail)
            line.append(0x0A)
            let file: any AppendableFile
            if let open = state.file {
                file = open
            } else {
                file = try fileSystem.openForAppending(path)
                state.file = file
            }
            try file.append(line)
            state.prev = hash
            state.dirty = true
        }
    }

    /// Flushes appended events to the disk (strict durability), if any were appended since the last flush.
    public func sync() throws(FileSystemError) {
        try state.withLock { (state: inout State) throws(FileSystemError) in
            guard state.dirty, let file = state.file else { return }
            try file.sync()
            state.dirty = false
        }
    }

    /// Closes the file.
    public func close() {
        state.withLock { state in
            state.file?.close()
            state.file = nil
        }
    }
}
