import Foundation

/// The finished runs a report covers: those that finished at or after `since` (as `stats` counts them), newest first,
/// read without reading every record.
///
/// With a built history index the runs come from its lines (`IndexReader`,
/// which opens only the days that can hold runs of the window); without one
/// (an older root, an index being rebuilt) from `outbox/results/`, as `list`
/// does: one `stat` per name, then only the records modified since `since`
/// (less `IndexReader.clockSlack`) are read, newest first. At most `limit`
/// runs are kept (the newest), so memory stays bounded on a busy root; the
/// page says when the window held more.
struct ReportWindow: Sendable {
    /// Where the runs were read from.
    enum Source: String, Sendable {
        /// The history index's lines.
        case index
        /// The records of `outbox/results/` (no built index).
        case results
    }

    /// The runs, newest first by `createdAt` (then run id).
    var entries: [IndexEntry] = []
    /// True when the window held more than the runs kept.
    var truncated = false
    /// Where they came from.
    var source = Source.index
    /// What could not be read, in words (an index file, lines, a result): said on standard error and on the page.
    var problems: [String] = []

    /// The most runs a report keeps (about 400 bytes each).
    static let defaultLimit = 200_000

    /// Reads the window of `since` (nil: every finished run) on `layout`.
    static func read(layout: RootLayout, fileSystem: any FileSystem, since: Date?, limit: Int = defaultLimit) -> ReportWindow {
        let reader = IndexReader(layout: layout, fileSystem: fileSystem)
        guard reader.isBuilt else { return fromResults(layout: layout, fileSystem: fileSystem, since: since, limit: limit) }
        var window = ReportWindow()
        do {
            // By finish time, the days the index is cut by: only the window's days are opened. At most twice `limit`
            // entries are held; the newest (by creation, as the page lists them) are kept.
            var kept = NewestEntries(limit: limit)
            let pass = try reader.forEachFinished(since: since, until: nil) { kept.add($0) }
            (window.entries, window.truncated) = kept.finish()
            for file in pass.unreadableFiles {
                window.problems.append("cannot read \(layout.relative(file.path)) (\(file.reason)): its runs are left out")
            }
            if pass.unreadableLines > 0 {
                window.problems.append("skipped \(pass.unreadableLines) unreadable line(s) of outbox/index/ ('droprun reindex' rebuilds the index)")
            }
        } catch {
            window.problems.append("cannot list outbox/index/ (\(error)); reading outbox/results/ instead")
            var fallback = fromResults(layout: layout, fileSystem: fileSystem, since: since, limit: limit)
            fallback.problems.insert(contentsOf: window.problems, at: 0)
            return fallback
        }
        return window
    }

    /// The window read from `outbox/results/`: newest-modified first, stopping at the first file older than `since`.
    static func fromResults(layout: RootLayout, fileSystem: any FileSystem, since: Date?, limit: Int) -> ReportWindow {
        var window = ReportWindow()
        window.source = .results
        var files: [(path: String, modified: Date)] = []
        for entry in (try? fileSystem.list(layout.results)) ?? [] where InboxScanner.isRequestName(entry.name) {
            let path = Path.join(layout.results, entry.name)
            if let info = try? fileSystem.info(path), info.type == .regular { files.append((path, info.modified)) }
        }
        files.sort { $0.modified > $1.modified }
        var kept = NewestEntries(limit: limit)
        for file in files {
            // A result is written when its run finished: an older file holds no run of the window.
            if let since, file.modified.addingTimeInterval(IndexReader.clockSlack) < since { break }
            switch RunLocator.readRecord(file.path, fs: fileSystem) {
            case .missing:
                continue
            case .unreadable(let reason):
                window.problems.append("cannot read \(layout.relative(file.path)) (\(reason)): it is left out")
            case .record(let record):
                guard let entry = IndexEntry(record: record, audit: []) else { continue }
                if let since, entry.finishedAt < since { continue }
                kept.add(entry)
            }
        }
        (window.entries, window.truncated) = kept.finish()
        return window
    }
}

/// The newest `limit` entries offered (by creation, as the page lists them), holding at most twice `limit` at a time.
private struct NewestEntries {
    let limit: Int
    private var kept: [IndexEntry] = []
    private var truncated = false

    init(limit: Int) { self.limit = limit }

    mutating func add(_ entry: IndexEntry) {
        kept.append(entry)
        if kept.count >= 2 * limit {
            kept.sort { $0.position.precedes($1.position) }
            kept.removeLast(kept.count - limit)
            truncated = true
        }
    }

    /// The newest `limit`, newest first, and whether more were offered.
    mutating func finish() -> (entries: [IndexEntry], truncated: Bool) {
        kept.sort { $0.position.precedes($1.position) }
        return (Array(kept.prefix(limit)), truncated || kept.count > limit)
    }
}
