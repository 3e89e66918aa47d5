import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of `outbox/purged/purged.jsonl`: a run `gc` removed, whose id stays refused as `duplicate`.
///
/// The line is canonical compact JSON and a newline:
/// `{"finishedAt":"…","purgedAt":"…","runId":"…","sha256":"…"}`, with `"archivedTo":"…"` first when `gc --archive`
/// moved the run (lines without it, as older gcs wrote, read the same). Lines are
/// appended only by `gc` under the gc lock (`GCLock`), one `write(2)` each, and
/// the file is rewritten (temporary file and rename, under the lock) only to
/// drop lines past `retention.dedupeDays` (`compact`).
public struct PurgeRecord: Sendable, Equatable {
    public var runId: String
    /// When the run finished.
    public var finishedAt: Date
    /// When `gc` removed it (its commit point: the result left `outbox/results/`).
    public var purgedAt: Date
    /// SHA-256 of the run's dropped request.
    public var sha256: String
    /// Where `gc --archive` moved the run's files (`DIR/<day>/<runId>`); nil when removed (and in lines of older gcs).
    public var archivedTo: String?

    public init(runId: String, finishedAt: Date, purgedAt: Date, sha256: String, archivedTo: String? = nil) {
        self.runId = runId
        self.finishedAt = finishedAt
        self.purgedAt = purgedAt
        self.sha256 = sha256
        self.archivedTo = archivedTo
    }

    /// `outbox/purged/purged.jsonl`.
    public static func path(_ layout: RootLayout) -> String { Path.join(layout.purged, "purged.jsonl") }

    /// The line's JSON.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "runId": .string(runId), "finishedAt": .string(Timestamp.format(finishedAt)), "purgedAt": .string(Timestamp.format(purgedAt)),
            "sha256": .string(sha256),
        ]
        if let archivedTo { members["archivedTo"] = .string(archivedTo) }
        return .object(members)
    }

    /// The line: canonical compact JSON and a newline.
    public var line: [UInt8] {
        var bytes = JSONWriter.compactBytes(json)
        bytes.append(0x0A)
        return bytes
    }

    /// Reads a line back (without its newline); nil for one that is not a purge record (torn, edited).
    ///
    /// A line glued to the fragment a killed `gc` left (an append after a torn end, by a version that did not end
    /// the fragment first) reads as its last object: the record is the last `{"` of the line on.
    public init?(line: some Collection<UInt8>) {
        let bytes = Array(line)
        if let record = Self.parse(bytes) {
            self = record
        } else if let start = Self.lastStart(of: Self.objectStart, in: bytes[...]), start > 0, let record = Self.parse(Array(bytes[start...])) {
            self = record
        } else {
            return nil
        }
    }

    /// The bytes that open a record's object.
    private static let objectStart = Array(#"{""#.utf8)

    /// Where the last occurrence of `needle` in `bytes` starts.
    static func lastStart(of needle: [UInt8], in bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var start = bytes.endIndex - needle.count
        while start >= bytes.startIndex {
            if bytes[start..<(start + needle.count)].elementsEqual(needle) { return start }
            start -= 1
        }
        return nil
    }

    /// One whole line parsed as a record.
    private static func parse(_ line: [UInt8]) -> PurgeRecord? {
        guard let json = try? RecordReader.parse(line), let runId = json["runId"]?.stringValue,
            let finishedAt = json["finishedAt"]?.stringValue.flatMap(Timestamp.parse),
            let purgedAt = json["purgedAt"]?.stringValue.flatMap(Timestamp.parse), let sha256 = json["sha256"]?.stringValue
        else { return nil }
        return PurgeRecord(runId: runId, finishedAt: finishedAt, purgedAt: purgedAt, sha256: sha256, archivedTo: json["archivedTo"]?.stringValue)
    }

    /// True while the id is still refused: `dedupeDays` (nil: forever) after the run finished.
    public func isRefused(at now: Date, dedupeDays: Double?) -> Bool {
        guard let days = dedupeDays else { return true }
        return now < finishedAt.addingTimeInterval(days * RetentionSettings.day)
    }

    /// The `duplicate` rejection's words for a drop of this run's id.
    public var duplicateMessage: String {
        "run '\(runId)' already ran: it finished at \(Timestamp.format(finishedAt)) and its files were removed by gc at \(Timestamp.format(purgedAt)); "
            + "its id stays refused (retention.dedupeDays); give the request a new id"
    }

    /// The bytes that start the `runId` member of this run's line, closing quote included (so the id is exact).
    static func needle(_ runId: String) -> [UInt8] { Array("\"runId\":\"\(runId)\"".utf8) }

    /// The run id of a line, read by its bytes (a run id holds no quote or escape), without parsing it.
    ///
    /// The last `"runId":"` of the line: a line glued to a torn fragment holds its record last.
    static func runId(inLine line: ArraySlice<UInt8>) -> Substring? {
        let key = Array(#""runId":""#.utf8)
        guard let start = Self.lastStart(of: key, in: line) else { return nil }
        let rest = line[(start + key.count)...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return Substring(decoding: rest[..<end], as: UTF8.self)
    }

    /// True when the file at `path` is not empty and its last byte is not a newline (a `gc` was killed mid-append).
    static func endsTorn(_ path: String, fileSystem fs: any FileSystem) -> Bool {
        guard let info = try? fs.info(path), info.type == .regular, info.size > 0,
            let last = try? fs.readRange(path, offset: info.size - 1, count: 1)
        else { return false }
        return last != [0x0A]
    }

    /// The newest line about `runId` in the file, found by its bytes, read in chunks from the end (the rare path).
    static func find(_ runId: String, layout: RootLayout, fileSystem fs: any FileSystem) -> PurgeRecord? {
        let path = path(layout)
        guard let info = try? fs.info(path), info.type == .regular, info.size > 0 else { return nil }
        let needle = needle(runId)
        var found: PurgeRecord?
        try? LineChunks(fileSystem: fs).forEachReversed(path, size: info.size) { line in
            guard line.firstRange(of: needle) != nil, let record = PurgeRecord(line: line), record.runId == runId else { return true }
            found = record
            return false
        }
        return found
    }

    /// The last `count` bytes of the file at `path`.
    private static func lastBytes(_ count: Int, of path: String, fileSystem fs: any FileSystem) throws(ReadFileError) -> [UInt8] {
        guard let info = try? fs.info(path) else { throw ReadFileError.notFound }
        return try fs.readRange(path, offset: info.size - Int64(count), count: count)
    }

    /// Rewrites the file without the lines whose id is no longer refused (`dedupeDays` after the run finished).
    ///
    /// Call it holding the gc lock: the lock is what keeps another `gc` from
    /// appending between the read and the rename. Readers (`PurgedIDs`) see the
    /// new inode and reload. Returns how many lines were dropped.
    static func compact(
        layout: RootLayout, fileSystem fs: any FileSystem, dedupeDays: Double?, now: Date, sync: Bool
    ) throws(FileSystemError) -> Int {
        guard dedupeDays != nil else { return 0 }
        let path = path(layout)
        let reader = LineChunks(fileSystem: fs)
        func isDropped(_ line: ArraySlice<UInt8>) -> Bool {
            guard let record = PurgeRecord(line: line) else { return false }
            return !record.isRefused(at: now, dedupeDays: dedupeDays)
        }
        func failure(_ error: ReadFileError) -> FileSystemError {
            if case .unreadable(let failure) = error { return failure }
            return FileSystemError("read", path: path, code: EIO)
        }
        // Read in chunks twice (memory stays at a chunk at any size): to count, then, only when some go, to copy.
        // A torn last line (a killed gc's) counts as a line, as it may still refuse its id: kept, and ended.
        var dropped = 0
        var tail: [UInt8] = []
        do {
            let torn = try reader.forEach(path) { line in
                if isDropped(line.bytes) { dropped += 1 }
                return true
            }
            if torn > 0 {
                tail = try Self.lastBytes(torn, of: path, fileSystem: fs)
                if isDropped(tail[...]) {
                    dropped += 1
                    tail = []
                }
            }
        } catch {
            if case .notFound = error { return 0 }
            throw failure(error)
        }
        guard dropped > 0 else { return 0 }
        let temporary = Path.join(layout.purged, ".purged.jsonl.compact")
        do {
            try fs.remove(temporary)
        } catch let error where error.isNotFound {}
        let file = try fs.openForAppending(temporary)
        defer { file.close() }
        var kept: [UInt8] = []
        var failed: FileSystemError?
        do throws(ReadFileError) {
            try reader.forEach(path) { line in
                guard !isDropped(line.bytes) else { return true }
                kept.append(contentsOf: line.bytes)
                kept.append(0x0A)
                guard kept.count >= 1 << 20 else { return true }
                do throws(FileSystemError) {
                    try file.append(kept)
                } catch {
                    failed = error
                    return false
                }
                kept.removeAll(keepingCapacity: true)
                return true
            }
        } catch {
            throw failure(error)
        }
        if let failed { throw failed }
        if !tail.isEmpty { kept += tail + [0x0A] }
        try file.append(kept)
        if sync { try file.sync() }
        try fs.rename(temporary, to: path)
        if sync { try fs.syncDirectory(layout.purged) }
        return dropped
    }
}
