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

    /// Appends one event.
    public func record(_ event: AuditEventName, runId: String?, at: Date, data: [String: JSONValue] = [:]) throws(FileSystemError) {
        try state.withLock { (state: inout State) throws(FileSystemError) in
            var members: [String: JSONValue] = [
                "at": .string(Timestamp.format(at)), "event": .string(event.rawValue), "actor": .string(actor),
                "data": .object(data), "prev": .string(state.prev),
            ]
            if let runId { members["runId"] = .string(runId) }
            let hash = SHA256.hex(JSONWriter.compactBytes(.object(members)))
            members["hash"] = .string(hash)
            var line = JSONWriter.compactBytes(.object(members))
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
