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

    /// The newest line about `runId` in the file, found by its bytes, read in pieces from the end (the rare path).
    static func find(_ runId: String, layout: RootLayout, fileSystem fs: any FileSystem) -> PurgeRecord? {
        let path = path(layout)
        guard let info = try? fs.info(path), info.type == .regular, info.size > 0 else { return nil }
        let needle = needle(runId)
        let chunk = 1 << 20
        var end = info.size
        var carry: [UInt8] = []
        while end > 0 {
            let start = max(0, end - Int64(chunk))
            guard var bytes = try? fs.readRange(path, offset: start, count: Int(end - start)) else { return nil }
            bytes.append(contentsOf: carry)
            // The first (partial) line of this piece is read with the piece before.
            var firstNewline = bytes.startIndex
            if start > 0 {
                guard let newline = bytes.firstIndex(of: 0x0A) else {
                    carry = bytes
                    end = start
                    continue
                }
                firstNewline = newline + 1
                carry = Array(bytes[..<firstNewline])
            } else {
                carry = []
            }
            let body = bytes[firstNewline...]
            for line in body.split(separator: 0x0A).reversed() where line.firstRange(of: needle) != nil {
                if let record = PurgeRecord(line: line), record.runId == runId { return record }
            }
            end = start
        }
        return nil
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
        let bytes: [UInt8]
        do {
            bytes = try fs.readFile(path, maxBytes: 1 << 36)
        } catch {
            switch error {
            case .notFound: return 0
            case .unreadable(let failure): throw failure
            case .notRegular, .tooLarge: throw FileSystemError("read", path: path, code: EIO)
            }
        }
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        var dropped = 0
        for line in bytes.split(separator: 0x0A) {
            if let record = PurgeRecord(line: line), !record.isRefused(at: now, dedupeDays: dedupeDays) {
                dropped += 1
                continue
            }
            kept.append(contentsOf: line)
            kept.append(0x0A)
        }
        guard dropped > 0 else { return 0 }
        try fs.writeAtomically(path, kept, sync: sync)
        return dropped
    }
}
