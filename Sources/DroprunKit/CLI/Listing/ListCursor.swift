import Foundation

/// `--after`: the row a page ended with, found again by what the page showed for it.
///
/// A run is named by its id and found where `list` reads it (its result, its
/// live record, a record being taken over, a claim, the inbox), with a few
/// `stat`s and one read; a rejected drop by `outbox/rejected/<name>` (or, when
/// no run has the id, by the id it would have had). Its place is computed as
/// the row's own, so the next page starts right after it even when the run
/// has moved on since (a queued run that finished is placed by its
/// `createdAt`, which may differ from its drop's time: rows around it may
/// then show twice or not at all, as in any listing of a changing folder).
enum ListCursor {
    /// The place of the row `text` names.
    ///
    /// - Throws: a usage error (exit 2) when no row has that name (a run removed by `gc` since the page before,
    ///   or a typing error): it names the value and says what `--after` takes.
    static func position(of text: String, layout: RootLayout, fs: any FileSystem) throws(CLIError) -> ListPosition {
        if let row = row(named: text, layout: layout, fs: fs) { return row.position }
        throw .usage(
            "invalid value '\(text)' for '--after': no run or rejected drop '\(text)' (removed since the page before?); give the run id of a row of the page before (outbox/rejected/NAME for a rejected drop), or list again without --after"
        )
    }

    private static func row(named text: String, layout: RootLayout, fs: any FileSystem) -> ListRow? {
        func candidate(_ path: String, _ kind: ListScan.Kind) -> ListRow? {
            guard let info = try? fs.info(path) else { return nil }
            return ListScan.row(for: ListScan.Candidate(path: path, modified: info.modified, kind: kind), layout: layout, fs: fs)
        }
        if text.hasPrefix(ListRow.rejectedPrefix) {
            let name = String(text.dropFirst(ListRow.rejectedPrefix.count))
            guard !name.isEmpty, !name.contains("/") else { return nil }
            return candidate(Path.join(layout.rejected, name + ".error.json"), .rejection)
        }
        guard !text.isEmpty, !text.contains("/") else { return nil }
        let locator = RunLocator(layout: layout, fileSystem: fs)
        if let row = candidate(layout.result(text), .result) ?? candidate(layout.runningRecord(text), .running) { return row }
        if let (path, _) = locator.takeover(of: text), let row = candidate(path, .takeover) { return row }
        if let (path, _) = locator.claim(of: text), let row = candidate(path, .claim) { return row }
        if let row = candidate(layout.inboxFile(text), .inbox) { return row }
        if let drop = RejectedDrop.find(fileNames: [text + ".json"], runIds: [text], layout: layout, fs: fs) {
            return candidate(Path.join(layout.rejected, drop.rejectedAs + ".error.json"), .rejection)
        }
        return nil
    }
}
