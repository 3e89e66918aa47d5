import Foundation

/// Which audit segments probably hold a run's events, told from their names and modification times alone.
///
/// A runner knows its own segments as it writes (`AuditLog.segmentNames(since:)`);
/// a rebuild or a repair knows only the files. A segment is written in
/// order, so one last modified at `t` holds events up to `t`, and the events
/// of a run between `createdAt` and `finishedAt` are in the segments of the
/// result's runner from the first modified at or after `createdAt` to the
/// first modified after `finishedAt`. It is a hint: `audit RUN_ID` also looks
/// at other chains that overlap the run.
struct AuditSegmentHint {
    /// One segment: `<chainId>.jsonl` (the first) or `<chainId>~<n>.jsonl`.
    struct Segment {
        var name: String
        /// The chain's id (it begins with its start time, so chains sort by start).
        var chainStart: String
        var number: Int
        var modified: Date
    }

    /// Each runner's segments (by its folder name), in chain then segment order.
    private var segments: [String: [Segment]] = [:]

    /// Lists `outbox/audit/` once (a `stat` per file); nothing when it cannot be listed.
    init(layout: RootLayout, fileSystem: any FileSystem) {
        for name in (try? AuditVerifier.auditFiles(layout: layout, fileSystem: fileSystem)) ?? [] {
            guard let (chainStart, runner, number) = Self.parse(name),
                let info = try? fileSystem.info(Path.join(layout.audit, name))
            else { continue }
            segments[runner, default: []].append(Segment(name: name, chainStart: chainStart, number: number, modified: info.modified))
        }
        for runner in segments.keys { segments[runner]?.sort { ($0.chainStart, $0.number) < ($1.chainStart, $1.number) } }
    }

    /// The first and the last of the segments of `runner`'s chains that hold events between `from` and `to` (an index
    /// line's `audit`, see `IndexEntry.auditSpan`); none for no runner.
    func names(runner: String?, from: Date, to: Date) -> [String] {
        guard let runner, let own = segments[runner] else { return [] }
        var names: [String] = []
        for segment in own where segment.modified >= from {
            names.append(segment.name)
            if segment.modified > to { break }
        }
        return IndexEntry.auditSpan(names)
    }

    /// Chain id (`20261201T100000Z-host-1234`), runner folder name and segment number (1 for the first) of an audit
    /// file's name, read by `AuditSegmentName` (the one reading of segment names); nil for a name whose chain id
    /// does not start with a time and a runner.
    static func parse(_ name: String) -> (chainStart: String, runner: String, number: Int)? {
        guard let segment = AuditSegmentName(fileName: name), let runner = segment.runner else { return nil }
        return (segment.chain, runner, segment.number)
    }
}
