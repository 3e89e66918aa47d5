import Foundation
import Synchronization

/// Appends hash-chained events to this process's own chain under `outbox/audit/`, cut into segments.
///
/// Each runner process writes its own chain, named after its start time,
/// host and process id (`20261122T100000Z-host-1234`). Several runners
/// therefore never append to one file, so chains never interleave and no lock
/// is needed, on one machine or over NFS (the Maildir rule: different
/// processes never touch the same file). `droprun audit` merges the files by time.
///
/// Each line is one event in canonical compact JSON (see `JSONWriter`) with
/// `at`, `event`, `actor`, `runId` (when about a run), `data`, `prev` (the
/// previous line's hash, 64 zeros for the first line of a chain) and `hash`:
/// the SHA-256 of the canonical line without its `hash` member. A line is
/// written with one `write(2)` on an `O_APPEND` descriptor.
///
/// A chain is cut into segments (see `AuditSegmentName`): the first is
/// `<chain>.jsonl`, then `<chain>~0002.jsonl`, ... A new segment begins with
/// the first event after the current one reached `segmentBytes`, or the
/// first event of a later UTC day than the segment's first. Its first line is
/// an `audit.segment` event whose `prev` is the last hash of the segment
/// before, so the chain runs on across segments and `audit verify` finds a
/// removed one; old segments can then be removed whole (`AuditPruner`).
public final class AuditLog: Sendable {
    /// 64 zeros: the `prev` of a chain's first event.
    public static let genesis = String(repeating: "0", count: 64)

    private struct State {
        var file: (any AppendableFile)?
        var prev = AuditLog.genesis
        var dirty = false
        /// The segment being written.
        var segment: AuditSegmentName
        /// Its size so far (what was there when it was opened, and every line since).
        var bytes = 0
        /// The UTC midnight after the day of the segment's first event; nil before that event.
        var dayEnd: Date?
        /// Every segment of the chain so far and the time of its first event (the chain's start for the first), oldest first.
        var segments: [(name: String, start: Date)]
    }

    private let folder: String
    private let chain: String
    private let fileSystem: any FileSystem
    private let actor: String
    private let segmentBytes: Int
    private let durable: Bool
    private let state: Mutex<State>

    /// A log for one runner; its first segment is created at the first event.
    ///
    /// - Parameters:
    ///   - segmentBytes: the size at which a segment is closed and the next begun (`audit.segmentBytes`).
    ///   - durable: flush a segment (`fsync`) before the next is begun (strict durability), so `sync()`, which
    ///     flushes the segment being written, leaves nothing unflushed behind it.
    public init(
        folder: String, runner: RunnerIdentity, startedAt: Date, fileSystem: any FileSystem, segmentBytes: Int = Configuration().auditSegmentBytes,
        durable: Bool = true
    ) {
        self.folder = folder
        self.fileSystem = fileSystem
        self.segmentBytes = segmentBytes
        self.durable = durable
        actor = runner.actor
        chain = "\(Timestamp.compact(startedAt))-\(runner.folderName)"
        let first = AuditSegmentName(chain: chain, number: 1)
        state = Mutex(State(segment: first, segments: [(first.fileName, startedAt)]))
    }

    /// The chain's id: its first segment's stem (`<compact start>-<runner folder name>`).
    public var chainId: String { chain }

    /// The path of the segment being written (the chain's first until it is cut).
    public var path: String { Path.join(folder, state.withLock { $0.segment.fileName }) }

    /// The file names (under `outbox/audit/`) of this chain's segments that hold events written at or after `date`,
    /// oldest first: what an index line names as where a run's events are.
    ///
    /// A segment's time runs from its first event to the next segment's first
    /// (the current one's has no end), so this is every segment from the one
    /// that was being written at `date` on.
    public func segmentNames(since date: Date) -> [String] {
        state.withLock { state in
            let segments = state.segments
            var names: [String] = []
            for (i, segment) in segments.enumerated() where i == segments.count - 1 || segments[i + 1].start >= date {
                names.append(segment.name)
            }
            return names
        }
    }

    /// Appends one typed event (its name and `data`).
    public func record(_ event: AuditEvent, runId: String?, at: Date) throws(FileSystemError) {
        try record(event.name, runId: runId, at: at, data: event.data)
    }

    /// Appends one event.
    ///
    /// The line is built once, in canonical member order (`actor`, `at`,
    /// `data`, `event`, `hash`, `prev`, `runId`): the hash covers the same
    /// bytes without the `hash` member. Only the chaining, the hash, the
    /// segment check (an integer and a date compared) and the `write(2)` happen
    /// under the lock.
    public func record(_ event: AuditEventName, runId: String?, at: Date, data: [String: JSONValue] = [:]) throws(FileSystemError) {
        let (head, tail) = Self.unchained(actor: actor, event: event, runId: runId, at: at, data: data)
        try state.withLock { (state: inout State) throws(FileSystemError) in
            if state.bytes > 0, state.bytes >= segmentBytes || state.dayEnd.map({ at >= $0 }) == true {
                try cut(&state, at: at)
            }
            let (line, hash) = Self.chained(head, tail, prev: state.prev)
            let file = try open(&state)
            try file.append(line)
            state.bytes += line.count
            if state.dayEnd == nil { state.dayEnd = Self.dayEnd(after: at) }
            state.prev = hash
            state.dirty = true
        }
    }

    /// The segment being written, opened (`O_APPEND`, created if needed) when it is not open yet.
    private func open(_ state: inout State) throws(FileSystemError) -> any AppendableFile {
        if let file = state.file { return file }
        let path = Path.join(folder, state.segment.fileName)
        // A segment opened again (after `close`) goes on from its size.
        if state.bytes == 0, let size = (try? fileSystem.info(path))??.size { state.bytes = Int(size) }
        let file = try fileSystem.openForAppending(path)
        state.file = file
        return file
    }

    /// Ends the segment being written and begins the next with its `audit.segment` line.
    ///
    /// With `durable`, the segment ending is flushed before anything is
    /// written to the next, and the folder after the next is created: `sync()`
    /// only flushes the segment being written, so nothing may be left
    /// unflushed in one it no longer holds. If the next segment cannot be
    /// begun, the current one stays the one written.
    private func cut(_ state: inout State, at: Date) throws(FileSystemError) {
        let previous = state.segment
        let next = previous.next
        if durable, state.dirty, let old = state.file {
            try old.sync()
            state.dirty = false
        }
        let file = try fileSystem.openForAppending(Path.join(folder, next.fileName))
        let event = AuditEvent.auditSegment(chain: chain, segment: next.number, previous: previous.fileName)
        let (head, tail) = Self.unchained(actor: actor, event: event.name, runId: nil, at: at, data: event.data)
        let (line, hash) = Self.chained(head, tail, prev: state.prev)
        do {
            if durable { try fileSystem.syncDirectory(folder) }
            try file.append(line)
        } catch {
            file.close()
            throw error
        }
        state.file?.close()
        state.file = file
        state.segment = next
        state.bytes = line.count
        state.dayEnd = Self.dayEnd(after: at)
        state.prev = hash
        state.dirty = true
        state.segments.append((next.fileName, at))
    }

    /// The UTC midnight after `date`'s day.
    static func dayEnd(after date: Date) -> Date {
        let day = (date.timeIntervalSince1970 / 86_400).rounded(.down)
        return Date(timeIntervalSince1970: (day + 1) * 86_400)
    }

    /// An event's line around its `prev` member: what comes before it (ending with the comma) and after it.
    private static func unchained(
        actor: String, event: AuditEventName, runId: String?, at: Date, data: [String: JSONValue]
    ) -> (head: [UInt8], tail: [UInt8]) {
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
        return (head, tail)
    }

    /// The whole line (with its newline) chained to `prev`, and its hash.
    private static func chained(_ head: [UInt8], _ tail: [UInt8], prev: String) -> (line: [UInt8], hash: String) {
        var prevMember = Array(#""prev":""#.utf8)
        prevMember.append(contentsOf: prev.utf8)
        prevMember.append(UInt8(ascii: "\""))
        var hasher = SHA256()
        hasher.update(head)
        hasher.update(prevMember)
        hasher.update(tail)
        let hash = hasher.finalize().hexString
        var line = head
        line.reserveCapacity(head.count + prevMember.count + tail.count + 80)
        line.append(contentsOf: #""hash":""#.utf8)
        line.append(contentsOf: hash.utf8)
        line.append(contentsOf: #"","#.utf8)
        line.append(contentsOf: prevMember)
        line.append(contentsOf: tail)
        line.append(0x0A)
        return (line, hash)
    }

    /// Flushes appended events to the disk (strict durability), if any were appended since the last flush.
    public func sync() throws(FileSystemError) {
        try state.withLock { (state: inout State) throws(FileSystemError) in
            guard state.dirty, let file = state.file else { return }
            try file.sync()
            state.dirty = false
        }
    }

    /// Closes the segment being written (a later event opens it again).
    public func close() {
        state.withLock { state in
            state.file?.close()
            state.file = nil
        }
    }
}
