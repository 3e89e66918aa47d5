import Foundation

extension HistoryStats {
    /// Adds up a root's runs that finished in [`since`, `until`) and its drops rejected then, and looks at its present in `snapshot`.
    ///
    /// Finished runs are read from the history index when it is built (see
    /// `IndexReader.isBuilt`), else, as `list` does, from `outbox/results/`
    /// (`source` says which): never wrong, only slower, one record a run
    /// (results last modified before the window, less the clock slack, are
    /// not read: a result is written after its run finished).
    ///
    /// - Throws: when `outbox/index/` cannot be listed.
    public static func gather(
        layout: RootLayout, fileSystem: any FileSystem, since: Date, until: Date, snapshot: RootSnapshot
    ) throws(FileSystemError) -> HistoryStats {
        let reader = IndexReader(layout: layout, fileSystem: fileSystem)
        var tally = Tally(since: since, until: until, takenAt: snapshot.takenAt, source: reader.isBuilt ? .index : .results)
        if reader.isBuilt {
            var pass = try reader.forEachFinished(since: since, until: until) { tally.add($0) }
            for i in pass.unreadableFiles.indices { pass.unreadableFiles[i].path = layout.relative(pass.unreadableFiles[i].path) }
            tally.note(pass)
        } else {
            addResults(layout: layout, fileSystem: fileSystem, into: &tally)
        }
        addRejections(layout: layout, fileSystem: fileSystem, into: &tally)
        var stats = tally.stats
        stats.look(at: snapshot)
        return stats
    }

    /// Every result whose run finished in the window, record by record.
    static func addResults(layout: RootLayout, fileSystem: any FileSystem, into tally: inout Tally) {
        let since = tally.partial.since
        let until = tally.partial.until
        let earliest = since.addingTimeInterval(-IndexReader.clockSlack)
        for entry in (try? fileSystem.list(layout.results)) ?? [] where entry.name.hasSuffix(".json") && !entry.name.hasPrefix(".") {
            let path = Path.join(layout.results, entry.name)
            guard let info = try? fileSystem.info(path), info.modified >= earliest else { continue }
            let record: RunRecord
            do {
                record = try RecordReader.record(at: path, fileSystem: fileSystem)
            } catch {
                // Removed since the listing (a gc): not a problem.
                if !error.isNotFound { tally.noteUnreadableResult() }
                continue
            }
            guard let run = IndexEntry(record: record, audit: []) else {
                tally.noteUnreadableResult()
                continue
            }
            if run.finishedAt >= since, run.finishedAt < until { tally.add(run) }
        }
    }

    /// Every drop rejected in the window (its error file's modification time), by the reason its error file gives.
    ///
    /// Rejections have no index line: `outbox/rejected/` is listed, one `stat`
    /// per error file and one read per error file in the window. An error
    /// file that names no reason, or is not JSON, counts under `?`.
    static func addRejections(layout: RootLayout, fileSystem: any FileSystem, into tally: inout Tally) {
        let since = tally.partial.since
        let until = tally.partial.until
        for entry in (try? fileSystem.list(layout.rejected)) ?? [] where entry.name.hasSuffix(".error.json") && !entry.name.hasPrefix(".") {
            let path = Path.join(layout.rejected, entry.name)
            guard let info = try? fileSystem.info(path), info.type == .regular, info.modified >= since, info.modified < until else { continue }
            let json = (try? fileSystem.readFile(path, maxBytes: 16 << 20)).flatMap { try? JSONParser.parse($0) }
            tally.addRejection(json?["reason"]?.stringValue ?? "?")
        }
    }
}
