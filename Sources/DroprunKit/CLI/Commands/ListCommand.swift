import Foundation

/// `droprun list [--status S] [--limit N]`: runs, newest first.
///
/// Sorts names by modification time (one `stat` each) and reads only as many
/// records as it prints, so a large `outbox/results/` stays quick to list.
/// Files in runners' claim folders are listed too: a claim stands for a run
/// with no live record yet (a run of instant steps only, whose runner was
/// killed, until another runner takes it over), and a record being taken
/// over is shown as the record it is. A claim whose run already has a
/// record (a moment in which the record replaced it) is not listed. Like an
/// inbox file, a claim is listed under the run id its file name gives.
enum ListCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let limit = try context.parsed.intValue("limit", range: 1...1_000_000) ?? 50
        var wanted: RunStatus?
        if let s = context.parsed.value("status") {
            guard let status = RunStatus(rawValue: s) else {
                var message = "invalid value '\(s)' for '--status': expected one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))"
                if let near = Suggestion.nearest(to: s, among: RunStatus.allCases.map(\.rawValue)) { message += "; did you mean '\(near)'?" }
                throw CLIError.usage(message)
            }
            wanted = status
        }
        let layout = context.layout
        let fs = context.fs
        var entries: [(path: String, modified: Date, queued: Bool)] = []
        func add(_ path: String, queued: Bool) {
            if let info = try? fs.info(path) { entries.append((path, info.modified, queued)) }
        }
        for (folder, queued) in [(layout.results, false), (layout.running, false), (layout.inbox, true)] {
            guard let names = try? fs.list(folder) else { continue }
            for entry in names where InboxScanner.isRequestName(entry.name) { add(Path.join(folder, entry.name), queued: queued) }
        }
        var beingTakenOver: Set<String> = []
        for runner in (try? fs.list(layout.claimed)) ?? [] where !runner.name.hasPrefix(".") {
            let folder = Path.join(layout.claimed, runner.name)
            for entry in (try? fs.list(folder)) ?? [] {
                if entry.name.hasSuffix(Recovery.takeoverSuffix) {
                    beingTakenOver.insert(String(entry.name.dropLast(Recovery.takeoverSuffix.count)))
                    add(Path.join(folder, entry.name), queued: false)
                } else if InboxScanner.isRequestName(Recovery.originalName(entry.name)) {
                    add(Path.join(folder, entry.name), queued: true)
                }
            }
        }
        entries.sort { $0.modified > $1.modified }
        var rows: [JSONValue] = []
        for entry in entries where rows.count < limit {
            if entry.queued {
                let runId = RunID.fromFileName(Recovery.originalName(Path.name(entry.path)))
                guard wanted == nil || wanted == .queued else { continue }
                if Path.parent(entry.path) != layout.inbox,
                    beingTakenOver.contains(runId) || fs.exists(layout.runningRecord(runId)) || fs.exists(layout.result(runId)) { continue }
                rows.append(["runId": .string(runId), "status": "queued", "workflow": .null, "createdAt": .null, "durationMs": .null])
                continue
            }
            guard let record = RunLookup.read(entry.path, fs: fs) else { continue }
            if let wanted, record.status != wanted { continue }
            rows.append(["runId": .string(record.runId), "status": .string(record.status.rawValue), "workflow": .string(record.workflowName),
                         "createdAt": .string(Timestamp.format(record.createdAt)), "durationMs": record.durationMs.map(JSONValue.int) ?? .null])
        }
        if context.json {
            context.printJSON(.array(rows))
            return .success
        }
        if rows.isEmpty {
            context.out.line("no runs" + (wanted.map { " with status \($0.rawValue)" } ?? ""))
            return .success
        }
        context.out.line("STATUS            RUN ID                          WORKFLOW              CREATED                   DURATION")
        for row in rows {
            let duration = row["durationMs"]?.intValue.map { "\($0) ms" } ?? "-"
            context.out.line(
                (row["status"]?.stringValue ?? "").padding(17) + " " + (row["runId"]?.stringValue ?? "").padding(31) + " "
                    + (row["workflow"]?.stringValue ?? "-").padding(21) + " " + (row["createdAt"]?.stringValue ?? "-").padding(25) + " " + duration)
        }
        return .success
    }
}
