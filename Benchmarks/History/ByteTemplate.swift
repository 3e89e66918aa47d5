import DroprunKit
import Foundation

/// Bytes that DroprunKit wrote once, for a sentinel run, cut where a real run's values go.
///
/// The generator renders each kind of run once through DroprunKit's own
/// writers (`RunRecord.prettyBytes`, `IndexEntry.line`, `AuditEvent.data`,
/// `JSONWriter`), with sentinel values: `@@RUNID@@`-style tokens for strings,
/// times on 2001-01-01 (their offset from its midnight is the offset from the
/// run's creation), and 987654321 for the request's size. The template keeps
/// the bytes between them, so a million runs are written by copying bytes
/// rather than building and sorting a million JSON trees, and each is exactly
/// what DroprunKit would write for the same values (`HistorySelfCheck` reads
/// samples back with DroprunKit to make sure).
struct ByteTemplate: Sendable {
    /// A value that differs from run to run.
    enum Field: String, CaseIterable, Sendable {
        case runId = "RUNID"
        case tenant = "TENANT"
        case requestSHA = "REQSHA"
        case artifactSHA = "ARTSHA"
        case actor = "ACTOR"
        case runner = "RUNNER"
        /// The run's audit segment names, joined with `","` (the sentinel is one name inside `[" "]`).
        case audit = "AUDIT"
        case controlFile = "CTLFILE"
        case controlSHA = "CTLSHA"

        /// The sentinel text that stands for it.
        var token: String { "@@\(rawValue)@@" }
    }

    enum Piece: Sendable {
        case bytes([UInt8])
        /// A time, milliseconds after the run's creation.
        case time(Int64)
        case field(Field)
        case requestSize
    }

    /// Midnight of 2001-01-01 UTC: sentinel times are this plus their offset.
    static let sentinelMs: Int64 = 978_307_200_000
    static let sentinelSize = 987_654_321
    static func sentinelDate(_ offsetMs: Int64) -> Date { Date(timeIntervalSince1970: Double(sentinelMs + offsetMs) / 1000) }

    let pieces: [Piece]

    /// Cuts `bytes` at every sentinel.
    init(_ bytes: [UInt8]) throws {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        let timePrefix = Array("2001-01-0".utf8)
        let sizeText = Array(String(Self.sentinelSize).utf8)
        func starts(_ prefix: [UInt8], at i: Int) -> Bool {
            i + prefix.count <= bytes.count && bytes[i..<i + prefix.count].elementsEqual(prefix)
        }
        func flush() {
            if !literal.isEmpty { pieces.append(.bytes(literal)) }
            literal = []
        }
        var i = 0
        while i < bytes.count {
            if starts([0x40, 0x40], at: i), let end = (i + 2..<bytes.count - 1).first(where: { bytes[$0] == 0x40 && bytes[$0 + 1] == 0x40 }) {
                let name = String(decoding: bytes[i + 2..<end], as: UTF8.self)
                guard let field = Field(rawValue: name) else { throw BenchError("template: unknown token @@\(name)@@") }
                flush()
                pieces.append(.field(field))
                i = end + 2
            } else if starts(timePrefix, at: i), i + 24 <= bytes.count,
                let date = Timestamp.parse(String(decoding: bytes[i..<i + 24], as: UTF8.self))
            {
                flush()
                pieces.append(.time(Int64((date.timeIntervalSince1970 * 1000).rounded()) - Self.sentinelMs))
                i += 24
            } else if starts(sizeText, at: i) {
                flush()
                pieces.append(.requestSize)
                i += sizeText.count
            } else {
                literal.append(bytes[i])
                i += 1
            }
        }
        flush()
        self.pieces = pieces
    }

    /// How often a field occurs (the self-check's guard against a sentinel that went missing).
    func count(_ field: Field) -> Int {
        pieces.reduce(0) {
            if case .field(let f) = $1, f == field { return $0 + 1 }
            return $0
        }
    }

    /// Appends the bytes for one run.
    func render(_ values: RunValues, into out: inout [UInt8]) {
        for piece in pieces {
            switch piece {
            case .bytes(let b): out.append(contentsOf: b)
            case .time(let offset): TimeText.append(values.createdMs + offset, to: &out)
            case .field(let field): out.append(contentsOf: values[field])
            case .requestSize: out.append(contentsOf: String(values.requestSize).utf8)
            }
        }
    }
}

/// One run's values for `ByteTemplate.render`.
struct RunValues {
    var createdMs: Int64 = 0
    var runId: [UInt8] = []
    var tenant: [UInt8] = []
    var requestSHA: [UInt8] = []
    var requestSize = 0
    var artifactSHA: [UInt8] = []
    var actor: [UInt8] = []
    var runner: [UInt8] = []
    var audit: [UInt8] = []
    var controlFile: [UInt8] = []
    var controlSHA: [UInt8] = []

    subscript(field: ByteTemplate.Field) -> [UInt8] {
        switch field {
        case .runId: runId
        case .tenant: tenant
        case .requestSHA: requestSHA
        case .artifactSHA: artifactSHA
        case .actor: actor
        case .runner: runner
        case .audit: audit
        case .controlFile: controlFile
        case .controlSHA: controlSHA
        }
    }
}
