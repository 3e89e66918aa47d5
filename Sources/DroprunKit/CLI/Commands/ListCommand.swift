import Foundation

/// `droprun list [--status S] [--limit N]`: runs, newest first by `createdAt`.
///
/// A row's time is its record's `createdAt`; a file with no record yet (in the
/// inbox, or a claim) counts from its modification time (when it was
/// dropped), a rejection from its `rejectedAt`, and a record that cannot be
/// read from its modification time. Every such time is at most the file's
/// modification time (a file is written after the time it holds), so files
/// are read newest-modified first and reading stops once the next file is
/// older (less `clockSlack`) than the oldest row that would still be printed:
/// a large `outbox/results/` is listed after one `stat` per name and the
/// reading of little more than the rows printed.
///
/// Files in runners' claim folders are listed too: a claim stands for a run
/// with no live record yet (a run of instant steps only, whose runner was
/// killed, until another runner takes it over), and a record being taken
/// over is shown as the record it is. A claim whose run already has a
/// record (a moment in which the record replaced it) is not listed. Like an
/// inbox file, a claim is listed under the run id its file name gives.
/// A control message (approval, cancel) is not a run: one still waiting in the
/// inbox or a claim folder is not listed, and a refused one is a `rejected`
/// row with no run id, its kind in the workflow column and the run it named.
/// Rejected drops are rows with status `rejected`; a record that cannot be
/// read is a row with status `unreadable` and the reason, never skipped.
enum ListCommand {
    /// How far a time in a file may be ahead of the file's modification time (clocks of several machines).
    static let clockSlack: TimeInterval = 2

    /// Statuses a row can have beyond a run's: a drop that never became a run, and a record droprun cannot read.
    static let extraStatuses = ["rejected", "unreadable"]

    private enum Kind { case record, inbox, claim, takeover, rejection }

    private struct Candidate {
        var path: String
        var modified: Date
        var kind: Kind
    }

    private struct Row {
        var status: String
        var runId: String
        var workflow: String?
        var createdAt: Date?
        var key: Date
        var durationMs: Int?
        var note: String?
        var extra: [String: JSONValue] = [:]

        var json: JSONValue {
            var o: [String: JSONValue] = [
                "runId": .string(runId), "status": .string(status), "workflow": workflow.map(JSONValue.string) ?? .null,
                "createdAt": createdAt.map { .string(Timestamp.format($0)) } ?? .null, "durationMs": durationMs.map(JSONValue.int) ?? .null,
            ]
            o.merge(extra) { _, b in b }
            return .object(o)
        }
    }

    static func run(_ context: CommandContext) async throws -> ExitCode {
        let limit = try context.parsed.intValue("limit", range: 1...1_000_000) ?? 50
        var wanted: String?
        if let given = context.parsed.value("status") {
            // `waiting` is what `show` prints for such a run.
            let s = given == "waiting" ? RunStatus.waitingApproval.rawValue : given
            let known = RunStatus.allCases.map(\.rawValue) + extraStatuses
            guard known.contains(s) else {
                var message = "invalid value '\(s)' for '--status': expected one of \(known.joined(separator: ", ")) (waiting for short)"
                if let near = Suggestion.nearest(to: s, among: known + ["waiting"]) { message += "; did you mean '\(near)'?" }
                throw CLIError.usage(message)
            }
            wanted = s
        }
        let layout = context.layout
        let fs = context.fs
        var candidates: [Candidate] = []
        func add(_ path: String, _ kind: Kind) {
            if let info = try? fs.info(path) { candidates.append(Candidate(path: path, modified: info.modified, kind: kind)) }
        }
        for (folder, kind) in [(layout.results, Kind.record), (layout.running, .record), (layout.inbox, .inbox)] {
            guard let names = try? fs.list(folder) else { continue }
            for entry in names where InboxScanner.isRequestName(entry.name) { add(Path.join(folder, entry.name), kind) }
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
        for entry in (try? fs.list(layout.rejected)) ?? [] where entry.name.hasSuffix(".error.json") && !entry.name.hasPrefix(".") {
            add(Path.join(layout.rejected, entry.name), .rejection)
        }
        candidates.sort { $0.modified > $1.modified }

        var rows: [Row] = []
        // The keys of the rows kept, newest first, at most `limit`: the last is the one a newer row would push out.
        var kept: [Date] = []
        for candidate in candidates {
            if kept.count >= limit, let oldest = kept.last, candidate.modified.addingTimeInterval(clockSlack) < oldest { break }
            guard let row = row(for: candidate, layout: layout, fs: fs) else { continue }
            if let wanted, row.status != wanted { continue }
            rows.append(row)
            let at = kept.firstIndex { $0 < row.key } ?? kept.endIndex
            kept.insert(row.key, at: at)
            if kept.count > limit { kept.removeLast() }
        }
        rows.sort { $0.key != $1.key ? $0.key > $1.key : $0.runId < $1.runId }
        if rows.count > limit { rows.removeLast(rows.count - limit) }

        if context.json {
            context.printJSON(.array(rows.map(\.json)))
            return .success
        }
        if rows.isEmpty {
            context.out.line("no runs" + (wanted.map { " with status \($0)" } ?? ""))
            return .success
        }
        let table = rows.map { row in
            [
                row.status, row.runId, row.workflow ?? "-", row.createdAt.map(Timestamp.format) ?? "-", row.durationMs.map { "\($0) ms" } ?? "-",
                row.note ?? "",
            ]
        }
        let header = ["STATUS", "RUN ID", "WORKFLOW", "CREATED", "DURATION", ""]
        var widths = header.map(\.count)
        for line in table {
            for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        for line in [header] + table {
            let cells = line.enumerated().map { i, cell in i == line.count - 1 ? cell : cell.padding(widths[i]) }
            var text = cells.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            context.out.line(text)
        }
        return .success
    }

    private static func row(for candidate: Candidate, layout: RootLayout, fs: any FileSystem) -> Row? {
        let name = Path.name(candidate.path)
        let locator = RunLocator(layout: layout, fileSystem: fs)
        switch candidate.kind {
        case .inbox, .claim:
            let runId = RunID.fromFileName(RootLayout.claimedFileName(name))
            if candidate.kind == .claim, locator.isRecorded(runId) { return nil }
            // A control message waiting to be read is not a run: its run's status and show name it.
            if ControlPeek.read(candidate.path, fs: fs) != nil { return nil }
            return Row(status: RunStatus.queued.rawValue, runId: runId, key: candidate.modified)
        case .rejection:
            let rejectedAs = String(name.dropLast(".error.json".count))
            guard let drop = RejectedDrop.read(rejectedAs, layout: layout, fs: fs) else {
                return Row(
                    status: "unreadable", runId: RunID.fromFileName(rejectedAs), key: candidate.modified,
                    note: "\(layout.relative(candidate.path)) is not valid JSON",
                    extra: ["reason": .string("the rejection's error file is not valid JSON"), "record": .string(layout.relative(candidate.path))])
            }
            let at = drop.rejectedAt.flatMap(Timestamp.parse) ?? candidate.modified
            if let control = ControlPeek.read(Path.join(layout.rejected, drop.rejectedAs), fs: fs) {
                // A refused approval or cancel never was a run: no run id of its own, its kind and the run it named.
                let target = control.runId.map { " for '\($0)'" } ?? ""
                return Row(
                    status: "rejected", runId: "-", workflow: control.kind, createdAt: at, key: at,
                    note: "\(control.kind)\(target): \(drop.reason) (outbox/rejected/\(drop.rejectedAs))",
                    extra: [
                        "runId": .null, "workflow": .null, "kind": .string(control.kind), "forRun": control.runId.map(JSONValue.string) ?? .null,
                        "reason": .string(drop.reason), "file": .string(drop.file), "rejectedAs": .string(drop.rejectedAs),
                    ])
            }
            return Row(
                status: "rejected", runId: drop.runId, createdAt: at, key: at, note: "\(drop.reason) (outbox/rejected/\(drop.rejectedAs))",
                extra: ["reason": .string(drop.reason), "file": .string(drop.file), "rejectedAs": .string(drop.rejectedAs)])
        case .record, .takeover:
            let fallbackId = RootLayout.takeoverRunId(name) ?? RunID.fromFileName(name)
            switch RunLocator.readRecord(candidate.path, fs: fs) {
            case .missing:
                return nil
            case .unreadable(let reason):
                return Row(
                    status: "unreadable", runId: fallbackId, key: candidate.modified, note: "\(layout.relative(candidate.path)): \(reason)",
                    extra: ["reason": .string(reason), "record": .string(layout.relative(candidate.path))])
            case .record(let record):
                // Between a result's link and the live record's removal, both exist: list the run once.
                if Path.parent(candidate.path) == layout.running, locator.hasResult(record.runId) { return nil }
                return Row(
                    status: record.status.rawValue, runId: record.runId, workflow: record.workflowName, createdAt: record.createdAt,
                    key: record.createdAt, durationMs: record.durationMs)
            }
        }
    }
}
