import Foundation

/// `droprun list`: runs newest first by creation time (`createdAt`, then run id), filtered and paged.
///
/// Rows come from every place a run can be: finished runs from the history
/// index (`IndexReader`) once `outbox/index/.built` says it covers every
/// result, else from `outbox/results/` (right on a root of an older droprun,
/// only slower); live records, claims, records being taken over, drops in the
/// inbox and rejected drops from their folders (`ListScan`). One run is one
/// row: where a run has a result, the result is its row. An index line whose
/// result is gone (`gc` removed the run) is not shown.
///
/// A drop with no record yet counts from when it was dropped, a rejection
/// from its `rejectedAt`, and a record that cannot be read from its file's
/// modification time; a refused control message is a `rejected` row with no
/// run id, its kind in the workflow column and the run it named; a record
/// that cannot be read is an `unreadable` row with the reason, never skipped.
/// A result that cannot be read has no index line: on an indexed root an
/// unfiltered list shows unreadable records of `outbox/running/` (and claims
/// and records being taken over) only, and `--status unreadable` reads every
/// record of `outbox/results/` too.
///
/// Paging: each source gives its newest `limit + 1` rows after `--after`
/// (`ListCursor`); the merge shows `limit` and, when there is one more, ends
/// the table with the `--after` that shows the next page.
enum ListCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let limit = try context.parsed.intValue("limit", range: 1...1_000_000) ?? 50
        let filter = try ListFilter(context.parsed, now: context.environment.clock.now())
        let layout = context.layout
        let fs = context.fs
        let afterText = context.parsed.value("after")
        let after = try afterText.map { (text) throws(CLIError) in try ListCursor.position(of: text, layout: layout, fs: fs) }

        var rows = NewestRows(limit: limit + 1)
        let reader = IndexReader(layout: layout, fileSystem: fs)
        let indexed = reader.isBuilt
        if indexed, let query = filter.indexQuery(after: after) {
            let page: IndexReader.Page
            do {
                page = try reader.newest(query, limit: limit + 1)
            } catch {
                throw CLIError.fileSystem(error)
            }
            for entry in page.entries { rows.offer(ListRow(entry: entry)) }
            warn(about: page, context)
        }
        // An unreadable result has no line: asked for by name, they are looked for in every result.
        let scan = ListScan(
            layout: layout, fs: fs, filter: filter, after: after, limit: limit + 1, includeResults: !indexed || filter.asksForUnreadable)
        for row in scan.rows() { rows.offer(row) }
        let shown = Array(rows.rows.prefix(limit))
        let more = rows.rows.count > limit

        if context.json {
            context.printJSON(.array(shown.map(\.json)))
            return .success
        }
        if shown.isEmpty {
            let filters = filter.description
            let head = afterText.map { "no more runs after '\($0)'" } ?? "no runs"
            context.out.line(head + (filters.isEmpty ? "" : " \(filters)"))
            return .success
        }
        printTable(shown.map(\.cells), context)
        if more, let last = shown.last { context.out.line("… more: add --after \(quoted(last.cursor)) for the next page") }
        return .success
    }

    /// Says on standard error what the index reading skipped.
    private static func warn(about page: IndexReader.Page, _ context: CommandContext) {
        let layout = context.layout
        for file in page.unreadableFiles {
            context.err.line(
                "droprun: warning: cannot read \(layout.relative(file.path)) (\(file.reason)); the runs it holds are not listed. 'droprun reindex' rebuilds the index"
            )
        }
        if page.unreadableLines > 0 {
            let lines = page.unreadableLines == 1 ? "1 line" : "\(page.unreadableLines) lines"
            context.err.line(
                "droprun: warning: skipped \(lines) of outbox/index/ that could not be read (torn by a crash, or edited); 'droprun reindex' rebuilds the index"
            )
        }
    }

    private static func printTable(_ table: [[String]], _ context: CommandContext) {
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
    }

    /// A word as a shell reads it back: quoted when it holds anything but letters, digits and `._-/~`.
    static func quoted(_ word: String) -> String {
        let plain = word.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-/~".unicodeScalars.contains($0)) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
