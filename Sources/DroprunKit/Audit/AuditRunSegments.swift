import Foundation

/// Which audit segments can hold a run's events, found without reading the audit: for `droprun audit RUN_ID`.
///
/// A run's events are in the segments its index line names (the chain of
/// the runner that finished it) and in any segment, of any chain, written
/// while the run lived: a runner that took the run over after a crash,
/// `droprun retry`, a runner that admitted it. A segment's time range comes
/// from names and one `stat`: it starts at its chain's start time (segment 1,
/// from the chain's id) or at its first line's `at` (a later segment, whose
/// first line is its short `audit.segment` event, read only when needed), and
/// ends at its modification time.
struct AuditRunSegments {
    let layout: RootLayout
    let fileSystem: any FileSystem
    /// Allowed for clocks of different runners and for events stamped just before a record's time.
    var margin: TimeInterval = 2

    /// The file names (under `outbox/audit/`) of the segments whose time range overlaps `from...through` (widened by
    /// `margin`), by name.
    func overlapping(from: Date, through: Date) throws(FileSystemError) -> [String] {
        let low = from.addingTimeInterval(-margin)
        let high = through.addingTimeInterval(margin)
        let reader = AuditLineReader(fileSystem: fileSystem)
        var names: [String] = []
        for chain in try AuditChain.list(layout: layout, fileSystem: fileSystem) {
            let chainStart = AuditSegmentName.start(ofChain: chain.id)
            // A chain begun after the window holds nothing of it: told by the name alone.
            if let chainStart, chainStart > high { continue }
            for segment in chain.segments {
                let path = Path.join(layout.audit, segment.fileName)
                guard let info = try? fileSystem.info(path), info.type == .regular, info.modified >= low else { continue }
                let start: Date?
                if segment.number == 1 {
                    start = chainStart
                } else {
                    let first = (try? reader.firstLine(path, limit: 4096)).flatMap { try? RecordReader.parse($0) }
                    start = first?["at"]?.stringValue.flatMap(Timestamp.parse)
                }
                // Later segments begin later still.
                if let start, start > high { break }
                names.append(segment.fileName)
            }
        }
        return names.sorted()
    }

    /// The segments the index line of a run finished at `finishedAt` names: the lines of that day's index files that
    /// hold `"runId":"<runId>"`; nil when no line is found (no index yet, or the line was not written).
    ///
    /// The file of `writer` (the runner that finished the run, which wrote
    /// the line) is read first, and the day's other files only when it lacks
    /// the line (a line a rebuild or a recovering runner wrote).
    func indexed(runId: String, finishedAt: Date, writer: String?) -> [String]? {
        let day = IndexFiles.day(of: finishedAt)
        guard let files = try? IndexFiles.list(layout: layout, fileSystem: fileSystem) else { return nil }
        let needle = Self.runIdNeedle(runId)
        let reader = AuditLineReader(fileSystem: fileSystem)
        let ofDay = files.filter { $0.day == day }
        let first = ofDay.filter { $0.writer == writer }
        for group in [first, ofDay.filter { $0.writer != writer }] {
            var found: Set<String>?
            for file in group {
                _ = try? reader.read(file.path, needles: [needle]) { line in
                    guard let entry = IndexEntry(line: line.bytes), entry.runId == runId else { return true }
                    found = (found ?? []).union(entry.audit)
                    return true
                }
            }
            if let found { return spanned(found) }
        }
        return nil
    }

    /// The segments an index line names, with every present segment between the first and the last of each chain
    /// (a line names only the two ends of the span it was written over).
    func spanned(_ named: Set<String>) -> [String] {
        var result = named
        var ranges: [String: ClosedRange<Int>] = [:]
        for name in named {
            guard let segment = AuditSegmentName(fileName: name) else { continue }
            let range = ranges[segment.chain]
            ranges[segment.chain] =
                min(range?.lowerBound ?? segment.number, segment.number)...max(range?.upperBound ?? segment.number, segment.number)
        }
        guard ranges.values.contains(where: { $0.count > 1 }) else { return result.sorted() }
        for chain in (try? AuditChain.list(layout: layout, fileSystem: fileSystem)) ?? [] {
            guard let range = ranges[chain.id], range.count > 1 else { continue }
            for segment in chain.segments where range.contains(segment.number) { result.insert(segment.fileName) }
        }
        return result.sorted()
    }

    /// `"runId":"<runId>"` as canonical compact JSON writes it: the closing quote makes the id exact.
    static func runIdNeedle(_ runId: String) -> [UInt8] {
        var needle = Array(#""runId":"#.utf8)
        JSONWriter.appendString(runId, to: &needle)
        return needle
    }
}
