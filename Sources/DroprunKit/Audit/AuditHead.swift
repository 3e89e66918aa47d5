import Foundation

/// Where a chain legitimately begins after `gc` removed its oldest segments: `outbox/audit/<chain>.head.json`.
///
/// ```json
/// {"chain":"20261201T100000Z-host-1234","continuesFrom":"<64 hex>","removedAt":"…","removedThrough":3,"segment":4}
/// ```
///
/// `segment` is the first segment kept and `continuesFrom` its first line's
/// `prev` (the last hash of the removed segment before it). The record is
/// written (atomically) before any segment is removed, so after a crash in
/// between it names a segment the older ones still present chain into.
public struct AuditHead: Sendable, Equatable {
    /// The chain's id.
    public var chain: String
    /// The first segment kept.
    public var segment: Int
    /// That segment's first line's `prev`.
    public var continuesFrom: String
    /// The last segment removed (`segment - 1`).
    public var removedThrough: Int
    /// When the segments were removed.
    public var removedAt: Date

    public init(chain: String, segment: Int, continuesFrom: String, removedThrough: Int, removedAt: Date) {
        self.chain = chain
        self.segment = segment
        self.continuesFrom = continuesFrom
        self.removedThrough = removedThrough
        self.removedAt = removedAt
    }

    /// `outbox/audit/<chain>.head.json`.
    public static func path(chain: String, layout: RootLayout) -> String { Path.join(layout.audit, chain + suffix) }

    /// How a head record's file name ends.
    static let suffix = ".head.json"

    /// The chain a file name in `outbox/audit/` is the head record of; nil for any other name.
    static func chain(ofFileName name: String) -> String? {
        guard name.hasSuffix(suffix), !name.hasPrefix("."), name.utf8.count > suffix.utf8.count else { return nil }
        return String(name.dropLast(suffix.count))
    }

    /// The record's JSON.
    public var json: JSONValue {
        [
            "chain": .string(chain), "segment": .int(segment), "continuesFrom": .string(continuesFrom), "removedThrough": .int(removedThrough),
            "removedAt": .string(Timestamp.format(removedAt)),
        ]
    }

    /// Reads a record's JSON; nil when a member is missing or of the wrong kind.
    public init?(json: JSONValue) {
        guard let chain = json["chain"]?.stringValue, let segment = json["segment"]?.intValue, segment >= 2,
            let continuesFrom = json["continuesFrom"]?.stringValue, let removedThrough = json["removedThrough"]?.intValue,
            let removedAt = json["removedAt"]?.stringValue.flatMap(Timestamp.parse)
        else { return nil }
        self.init(chain: chain, segment: segment, continuesFrom: continuesFrom, removedThrough: removedThrough, removedAt: removedAt)
    }

    /// What is found at a chain's head record path.
    public enum Found: Sendable, Equatable {
        /// There is none: the chain begins at its segment 1.
        case missing
        /// A valid record.
        case head(AuditHead)
        /// A file that cannot be used: why.
        case unreadable(String)
    }

    /// Reads the head record of `chain`.
    public static func read(chain: String, layout: RootLayout, fileSystem: any FileSystem) -> Found {
        let bytes: [UInt8]
        do {
            bytes = try fileSystem.readFile(path(chain: chain, layout: layout), maxBytes: 64 << 10)
        } catch {
            if case .notFound = error { return .missing }
            return .unreadable("cannot read it: \(error)")
        }
        guard let json = try? RecordReader.parse(bytes) else { return .unreadable("it is not valid JSON") }
        guard let head = AuditHead(json: json) else {
            return .unreadable("it lacks 'chain', 'segment' (2 or more), 'continuesFrom', 'removedThrough' or 'removedAt'")
        }
        return .head(head)
    }

    /// Writes the record atomically (a temporary file, then `rename`), flushed first when `sync`.
    public func write(layout: RootLayout, fileSystem: any FileSystem, sync: Bool) throws(FileSystemError) {
        var bytes = JSONWriter.compactBytes(json)
        bytes.append(0x0A)
        try fileSystem.writeAtomically(Self.path(chain: chain, layout: layout), bytes, sync: sync)
    }
}
