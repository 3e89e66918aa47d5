/// One runner's hash chain as found in `outbox/audit/`: its segments present, and whether it has a head record.
public struct AuditChain: Sendable, Equatable {
    /// The chain's id (its first segment's stem).
    public var id: String
    /// The segments present, by number; a removed segment leaves a gap.
    public var segments: [AuditSegmentName]
    /// True when `<id>.head.json` is there (see `AuditHead`).
    public var hasHead: Bool

    public init(id: String, segments: [AuditSegmentName], hasHead: Bool) {
        self.id = id
        self.segments = segments
        self.hasHead = hasHead
    }

    /// Every chain in the audit folder, by id; empty when there is no folder.
    ///
    /// One listing of the folder: names only, no file is opened.
    public static func list(layout: RootLayout, fileSystem: any FileSystem) throws(FileSystemError) -> [AuditChain] {
        guard fileSystem.exists(layout.audit) else { return [] }
        return group(try fileSystem.list(layout.audit).map(\.name))
    }

    /// Groups file names of the audit folder into chains (names of other files are ignored).
    static func group(_ names: [String]) -> [AuditChain] {
        var segments: [String: [AuditSegmentName]] = [:]
        var heads: Set<String> = []
        for name in names {
            if let segment = AuditSegmentName(fileName: name) {
                segments[segment.chain, default: []].append(segment)
            } else if let chain = AuditHead.chain(ofFileName: name) {
                heads.insert(chain)
            }
        }
        return Set(segments.keys).union(heads).sorted().map { id in
            AuditChain(id: id, segments: (segments[id] ?? []).sorted { $0.number < $1.number }, hasHead: heads.contains(id))
        }
    }
}
