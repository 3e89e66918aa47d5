import Foundation

/// Removes whole old audit segments (`retention.auditDays`) so that every chain still verifies.
///
/// `gc` calls `prune(olderThan:dryRun:)` with its audit cut (under the gc
/// lock, so one pruner works on a root at a time). For each chain it removes
/// the oldest segments whose last event is before the cut, as long as they
/// are contiguous from the chain's first present segment: never a chain's
/// last segment (its writer may still append to it), never across a gap (a
/// missing middle segment stays visible to `audit verify`), and nothing of a
/// chain that is already broken at its beginning (first segments missing
/// without a head record, or a head record that cannot be read).
///
/// Crash safety: for a chain it first writes `<chain>.head.json` (see
/// `AuditHead`: the first segment kept and its first line's `prev`)
/// atomically, flushed in strict durability, and only then removes the older
/// segments, oldest first. Killed in between, it leaves the head record and
/// a contiguous run of older segments that still chain into the segment the
/// record names, which `audit verify` accepts; the next prune removes them.
public struct AuditPruner: Sendable {
    public let layout: RootLayout
    public let fileSystem: any FileSystem
    /// Gives the head records' `removedAt`.
    public let clock: any RunnerClock
    /// Flush each head record before segments are removed (strict durability).
    public let durable: Bool

    public init(layout: RootLayout, fileSystem: any FileSystem, clock: any RunnerClock, durable: Bool) {
        self.layout = layout
        self.fileSystem = fileSystem
        self.clock = clock
        self.durable = durable
    }

    /// A pruner for the engine's root, clock and durability.
    public init(context: EngineContext) {
        self.init(layout: context.layout, fileSystem: context.fileSystem, clock: context.clock, durable: context.configuration.durability == .strict)
    }

    /// What a prune removed (or, dry, would remove).
    public struct Report: Sendable, Equatable {
        /// The segments' file names (under `outbox/audit/`), chain by chain, oldest first.
        public var removed: [String] = []
        /// Their size in bytes.
        public var bytes: Int64 = 0
        /// The chains whose head record was written (or, dry, would be).
        public var chains: [String] = []
    }

    /// Removes, chain by chain, the oldest segments whose last event is before `cut`; with `dryRun`, only says which.
    ///
    /// A segment's last event is its last line's `at`. A chain whose
    /// segments cannot be read where needed is left as it is.
    ///
    /// - Throws: a failure to write a head record or to remove a segment (what was done before it stays done,
    ///   and is consistent).
    public func prune(olderThan cut: Date, dryRun: Bool) throws(FileSystemError) -> Report {
        var report = Report()
        for chain in try AuditChain.list(layout: layout, fileSystem: fileSystem) {
            guard let plan = plan(chain, cut: cut) else { continue }
            report.chains.append(chain.id)
            report.removed += plan.remove.map(\.name.fileName)
            report.bytes += plan.remove.reduce(0) { $0 + $1.size }
            if dryRun { continue }
            try plan.head.write(layout: layout, fileSystem: fileSystem, sync: durable)
            for segment in plan.remove {
                do {
                    try fileSystem.remove(Path.join(layout.audit, segment.name.fileName))
                } catch let error where error.isNotFound {
                    continue
                }
            }
        }
        if !dryRun, durable, !report.removed.isEmpty { try fileSystem.syncDirectory(layout.audit) }
        return report
    }

    /// The segments of one chain to remove and the head record to write first; nil when there are none.
    private func plan(_ chain: AuditChain, cut: Date) -> (remove: [(name: AuditSegmentName, size: Int64)], head: AuditHead)? {
        guard let first = chain.segments.first else { return nil }
        if chain.hasHead || first.number > 1 {
            // Only a chain whose beginning is explained goes on being pruned.
            guard case .head(let head) = AuditHead.read(chain: chain.id, layout: layout, fileSystem: fileSystem), head.chain == chain.id,
                head.segment >= first.number
            else { return nil }
        }
        let reader = AuditLineReader(fileSystem: fileSystem)
        var remove: [(name: AuditSegmentName, size: Int64)] = []
        // A segment goes only with the one after it there to begin the chain: never the last, never the one before a gap.
        for (segment, after) in zip(chain.segments, chain.segments.dropFirst()) {
            guard after.number == segment.number + 1 else { break }
            let path = Path.join(layout.audit, segment.fileName)
            guard let info = try? fileSystem.info(path), info.type == .regular,
                let line = try? reader.lastLine(path, size: info.size),
                let at = (try? RecordReader.parse(line))?["at"]?.stringValue.flatMap(Timestamp.parse), at < cut
            else { break }
            remove.append((segment, info.size))
        }
        // The first kept segment must begin the chain with a line; an empty one (a cut that did not finish) cannot, so
        // the segment before it is kept too.
        while let last = remove.last?.name {
            let kept = last.next
            if let line = try? reader.firstLine(Path.join(layout.audit, kept.fileName)),
                let prev = (try? RecordReader.parse(line))?["prev"]?.stringValue
            {
                return (
                    remove, AuditHead(chain: chain.id, segment: kept.number, continuesFrom: prev, removedThrough: last.number, removedAt: clock.now())
                )
            }
            remove.removeLast()
        }
        return nil
    }
}
