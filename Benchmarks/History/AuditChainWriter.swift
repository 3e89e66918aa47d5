import DroprunKit
import Foundation

/// Writes one runner's audit chain as `AuditLog` writes it: canonical lines, each hashed over itself without its hash.
///
/// Segments follow the design of issue 13: `<chainId>.jsonl`, then
/// `<chainId>~0002.jsonl` and on; a new segment starts when the next line
/// would take the current one past `segmentBytes`, or when the event's UTC day
/// differs from the segment's; a segment n ≥ 2 begins with an `audit.segment`
/// line (`data`: chain, segment, previous file name) whose `prev` is the last
/// hash of the segment before.
struct AuditChainWriter {
    let chainId: String
    let segmentBytes: Int
    private let actor: [UInt8]
    private let folder: FileMaker
    private var file: BufferedFile?
    private var segment = 0
    private var segmentDay: Int64 = 0
    /// `"prev":"<64 hex>"`: the previous line's hash, as the next line carries it.
    private var prev: [UInt8] = Array(#""prev":""#.utf8) + Array(AuditLog.genesis.utf8) + [UInt8(ascii: "\"")]
    private var head: [UInt8] = []
    private var tail: [UInt8] = []
    private var line: [UInt8] = []
    /// Segments begun and lines written.
    private(set) var segments = 0
    private(set) var lines = 0

    init(folder: FileMaker, chainId: String, actor: String, segmentBytes: Int) {
        self.folder = folder
        self.chainId = chainId
        self.actor = Array(actor.utf8)
        self.segmentBytes = segmentBytes
        head.reserveCapacity(1024)
        line.reserveCapacity(1200)
    }

    static func segmentName(chainId: String, _ n: Int) -> String {
        n == 1 ? "\(chainId).jsonl" : "\(chainId)~\(String(repeating: "0", count: max(0, 4 - String(n).count)))\(n).jsonl"
    }

    /// Appends one of a run's events at `atMs`; returns the name of the segment it went to.
    mutating func append(name: [UInt8], data: ByteTemplate, values: RunValues, atMs: Int64, runId: Bool) throws -> String {
        begin(atMs)
        data.render(values, into: &head)
        finishHead(name)
        tail.removeAll(keepingCapacity: true)
        if runId {
            tail.append(contentsOf: #","runId":""#.utf8)
            tail.append(contentsOf: values.runId)
            tail.append(UInt8(ascii: "\""))
        }
        tail.append(UInt8(ascii: "}"))
        return try emit(atMs)
    }

    private mutating func begin(_ atMs: Int64) {
        head.removeAll(keepingCapacity: true)
        head.append(contentsOf: #"{"actor":""#.utf8)
        head.append(contentsOf: actor)
        head.append(contentsOf: #"","at":""#.utf8)
        TimeText.append(atMs, to: &head)
        head.append(contentsOf: #"","data":"#.utf8)
    }

    private mutating func finishHead(_ name: [UInt8]) {
        head.append(contentsOf: #","event":""#.utf8)
        head.append(contentsOf: name)
        head.append(contentsOf: #"","#.utf8)
    }

    /// Starts a new segment if this line needs one, then writes it.
    private mutating func emit(_ atMs: Int64) throws -> String {
        let length = head.count + 74 + prev.count + tail.count + 1
        let day = TimeText.day(atMs)
        let fits = file.map { day == segmentDay && $0.size + length <= segmentBytes } ?? false
        if !fits {
            let (savedHead, savedTail) = (head, tail)
            try startSegment(atMs, day: day)
            (head, tail) = (savedHead, savedTail)
        }
        writeLine(atMs)
        try file?.append(line)
        return file?.name ?? ""
    }

    private mutating func startSegment(_ atMs: Int64, day: Int64) throws {
        let previous = file?.name
        try file?.close()
        segment += 1
        segments += 1
        segmentDay = day
        file = try BufferedFile(folder: folder, name: Self.segmentName(chainId: chainId, segment))
        guard segment > 1 else { return }
        begin(atMs)
        head.append(contentsOf: JSONWriter.compactBytes(.object(AuditEvent.auditSegment(chain: chainId, segment: segment, previous: previous).data)))
        finishHead(Array(AuditEventName.auditSegment.rawValue.utf8))
        tail = [UInt8(ascii: "}")]
        writeLine(atMs)
        try file?.append(line)
    }

    /// Hashes `head`, `prev`, `tail` into the line (`head`, `"hash":"…",`, `prev`, `tail`, newline) and makes it the chain's last.
    private mutating func writeLine(_ atMs: Int64) {
        var hasher = SHA256()
        hasher.update(head)
        hasher.update(prev)
        hasher.update(tail)
        let digest = hasher.finalize()
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: head)
        line.append(contentsOf: #""hash":""#.utf8)
        let hexStart = line.count
        Self.appendHex(digest, to: &line)
        line.append(contentsOf: #"","#.utf8)
        line.append(contentsOf: prev)
        line.append(contentsOf: tail)
        line.append(0x0A)
        for k in 0..<64 { prev[8 + k] = line[hexStart + k] }
        lines += 1
        file?.lastMs = atMs
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func appendHex(_ bytes: [UInt8], to out: inout [UInt8]) {
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
    }

    mutating func close() throws {
        try file?.close()
        file = nil
    }
}
