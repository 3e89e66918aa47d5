import Foundation

/// The rows `list` reads from folders: live records, claims and records being taken over, drops in the inbox,
/// rejections, and the results themselves when there is no built index to read them from.
///
/// A row's time is at most its file's modification time (less
/// `IndexReader.clockSlack`): a file is written after the time it holds. So
/// files are read newest-modified first, and reading stops once the next
/// file is older than the oldest row that would still be shown, or than
/// `--since`: a large folder costs one `stat` per name and the reading of
/// little more than the rows shown.
///
/// Where a run has a result, the result is its row, whichever file found it
/// (a live record, a claim or a record being taken over whose runner died
/// before removing it): a finished run is in the index or in one of those.
/// A claim or a drop whose run has a record is listed from the record.
struct ListScan {
    let layout: RootLayout
    let fs: any FileSystem
    let filter: ListFilter
    let after: ListPosition?
    let limit: Int
    /// Read `outbox/results/` too (no built index).
    let includeResults: Bool

    /// What a file is to `list`.
    enum Kind { case result, running, inbox, claim, takeover, rejection }

    /// A file to read, with its modification time.
    struct Candidate {
        var path: String
        var modified: Date
        var kind: Kind
    }

    /// The newest `limit` rows that match, newest first.
    func rows() -> [ListRow] {
        var kept = NewestRows(limit: limit)
        for candidate in candidates().sorted(by: { $0.modified > $1.modified }) {
            let latest = candidate.modified.addingTimeInterval(IndexReader.clockSlack)
            if let since = filter.since, latest < since { break }
            if let oldest = kept.oldestIfFull, latest < oldest.position.time { break }
            guard let row = Self.row(for: candidate, layout: layout, fs: fs), filter.matches(row) else { continue }
            if let after, !after.precedes(row.position) { continue }
            kept.offer(row)
        }
        return kept.rows
    }

    /// The files to look at: only the folders whose rows the filter can keep.
    func candidates() -> [Candidate] {
        var candidates: [Candidate] = []
        func add(_ path: String, _ kind: Kind) {
            if let info = try? fs.info(path) { candidates.append(Candidate(path: path, modified: info.modified, kind: kind)) }
        }
        var folders = [(layout.running, Kind.running)]
        if includeResults { folders.append((layout.results, .result)) }
        if filter.wantsDrops { folders.append((layout.inbox, .inbox)) }
        for (folder, kind) in folders {
            for entry in (try? fs.list(folder)) ?? [] where InboxScanner.isRequestName(entry.name) { add(Path.join(folder, entry.name), kind) }
        }
        for runner in (try? fs.list(layout.claimed)) ?? [] where !runner.name.hasPrefix(".") {
            let folder = Path.join(layout.claimed, runner.name)
            for entry in (try? fs.list(folder)) ?? [] {
                if RootLayout.isTakeoverName(entry.name) {
                    add(Path.join(folder, entry.name), .takeover)
                } else if InboxScanner.isRequestName(RootLayout.claimedFileName(entry.name)) {
                    add(Path.join(folder, entry.name), .claim)
                }
            }
        }
        if filter.wantsRejections {
            for entry in (try? fs.list(layout.rejected)) ?? [] where entry.name.hasSuffix(".error.json") && !entry.name.hasPrefix(".") {
                add(Path.join(layout.rejected, entry.name), .rejection)
            }
        }
        return candidates
    }

    /// The row a file stands for; nil when it stands for none (a control message waiting, a claim whose run has a record).
    static func row(for candidate: Candidate, layout: RootLayout, fs: any FileSystem) -> ListRow? {
        let name = Path.name(candidate.path)
        let locator = RunLocator(layout: layout, fileSystem: fs)
        switch candidate.kind {
        case .inbox, .claim:
            let runId = RunID.fromFileName(RootLayout.claimedFileName(name))
            if candidate.kind == .claim, locator.hasResult(runId) { return resultRow(runId, layout: layout, fs: fs) }
            // A drop whose run exists already is a duplicate about to be refused, and a claim whose run has a record
            // stands for that record: the run is listed once, from its record.
            if candidate.kind == .inbox, locator.hasResult(runId) || locator.hasLiveRecord(runId) { return nil }
            if candidate.kind == .claim, locator.isRecorded(runId) { return nil }
            // A control message waiting to be read is not a run: its run's status and show name it.
            if ControlPeek.read(candidate.path, fs: fs) != nil { return nil }
            return ListRow(
                status: RunStatus.queued.rawValue, runId: runId, source: candidate.kind == .claim ? .claim : .inbox,
                position: ListPosition(time: candidate.modified, runId: runId), cursor: runId)
        case .rejection:
            return rejectionRow(candidate, layout: layout, fs: fs)
        case .result, .running, .takeover:
            let runId = RootLayout.takeoverRunId(name) ?? RunID.fromFileName(name)
            if candidate.kind != .result, locator.hasResult(runId) { return resultRow(runId, layout: layout, fs: fs) }
            return recordRow(candidate.path, runId: runId, modified: candidate.modified, layout: layout, fs: fs)
        }
    }

    /// The row of a run's result.
    private static func resultRow(_ runId: String, layout: RootLayout, fs: any FileSystem) -> ListRow? {
        let path = layout.result(runId)
        guard let info = try? fs.info(path) else { return nil }
        return recordRow(path, runId: runId, modified: info.modified, layout: layout, fs: fs)
    }

    /// The row of a record file: the run, or `unreadable` with why (never skipped in silence).
    private static func recordRow(_ path: String, runId: String, modified: Date, layout: RootLayout, fs: any FileSystem) -> ListRow? {
        switch RunLocator.readRecord(path, fs: fs) {
        case .missing:
            return nil
        case .unreadable(let reason):
            var row = ListRow(
                status: "unreadable", runId: runId, source: .unreadable, position: ListPosition(time: modified, runId: runId), cursor: runId)
            row.note = "\(layout.relative(path)): \(reason)"
            row.extra = ["reason": .string(reason), "record": .string(layout.relative(path))]
            return row
        case .record(let record):
            return ListRow(record: record, source: .live)
        }
    }

    /// A rejected drop: its reason instead of a workflow; a refused control message: its kind and the run it named.
    private static func rejectionRow(_ candidate: Candidate, layout: RootLayout, fs: any FileSystem) -> ListRow {
        let rejectedAs = String(Path.name(candidate.path).dropLast(".error.json".count))
        let cursor = ListRow.rejectedPrefix + rejectedAs
        guard let drop = RejectedDrop.read(rejectedAs, layout: layout, fs: fs) else {
            let runId = RunID.fromFileName(rejectedAs)
            var row = ListRow(
                status: "unreadable", runId: runId, source: .rejection,
                position: ListPosition(time: candidate.modified, runId: runId, tiebreak: rejectedAs), cursor: cursor)
            row.note = "\(layout.relative(candidate.path)) is not valid JSON"
            row.extra = ["reason": .string("the rejection's error file is not valid JSON"), "record": .string(layout.relative(candidate.path))]
            return row
        }
        let at = drop.rejectedAt.flatMap(Timestamp.parse) ?? candidate.modified
        let kept = "outbox/rejected/\(drop.rejectedAs)"
        var extra: [String: JSONValue] = ["reason": .string(drop.reason), "file": .string(drop.file), "rejectedAs": .string(drop.rejectedAs)]
        if let control = ControlPeek.read(Path.join(layout.rejected, drop.rejectedAs), fs: fs) {
            // A refused approval or cancel never was a run: no run id of its own, its kind and the run it named.
            var row = ListRow(
                status: "rejected", runId: "-", source: .rejection, position: ListPosition(time: at, runId: "-", tiebreak: rejectedAs),
                cursor: cursor)
            row.createdAt = at
            row.column = control.kind
            row.note = "\(control.kind)\(control.runId.map { " for '\($0)'" } ?? ""): \(drop.reason) (\(kept))"
            extra["runId"] = .null
            extra["kind"] = .string(control.kind)
            extra["forRun"] = control.runId.map(JSONValue.string) ?? .null
            row.extra = extra
            return row
        }
        var row = ListRow(
            status: "rejected", runId: drop.runId, source: .rejection, position: ListPosition(time: at, runId: drop.runId, tiebreak: rejectedAs),
            cursor: cursor)
        row.createdAt = at
        row.column = drop.reason
        row.note = kept
        row.extra = extra
        return row
    }
}
