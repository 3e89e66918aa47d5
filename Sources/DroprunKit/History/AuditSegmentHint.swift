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

    /// Chain start (`20261201T100000Z`), runner folder name and segment number (1 for the first) of an audit file's name.
    static func parse(_ name: String) -> (chainStart: String, runner: String, number: Int)? {
        guard name.hasSuffix(".jsonl") else { return nil }
        var stem = Substring(name.dropLast(6))
        var number = 1
        if let tilde = stem.lastIndex(of: "~"), let n = Int(stem[stem.index(after: tilde)...]) {
            number = n
            stem = stem[..<tilde]
        }
        // `yyyymmddThhmmssZ-`, then the runner's folder name.
        let start = stem.prefix(16)
        guard start.count == 16, start.last == "Z", stem.dropFirst(16).first == "-" else { return nil }
        let runner = stem.dropFirst(17)
        guard !runner.isEmpty else { return nil }
        return (String(start), String(runner), number)
    }
}
