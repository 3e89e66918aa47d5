import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files `gc` removes by their own age: rejected drops, applied control messages, index days whose runs are gone.
extension GarbageCollector {
    /// Removes each rejected file with its `.error.json` rejected before `cut` (its `rejectedAt`, else the file's time).
    func sweepRejected(before cut: Date) {
        let entries = ((try? fs.list(layout.rejected)) ?? []).filter { !$0.name.hasPrefix(".") }
        let names = Set(entries.map(\.name))
        let suffix = ".error.json"
        for name in names.sorted() where name.hasSuffix(suffix) {
            let errorPath = Path.join(layout.rejected, name)
            let dropped = String(name.dropLast(suffix.count))
            let rejectedAt =
                (try? fs.readFile(errorPath, maxBytes: 1 << 20)).flatMap { try? RecordReader.parse($0) }?["rejectedAt"]?.stringValue
                .flatMap(Timestamp.parse)
            guard let at = rejectedAt ?? (try? fs.info(errorPath))??.modified, at < cut else { continue }
            remove([names.contains(dropped) ? Path.join(layout.rejected, dropped) : nil, errorPath].compactMap { $0 }, archiving: ("rejected", at)) {
                report.rejectedRemoved.append(names.contains(dropped) ? dropped : name)
            }
        }
        // A rejected file without its explanation (removed by hand): by its own time.
        for name in names.sorted() where !name.hasSuffix(suffix) && !names.contains(name + suffix) {
            let path = Path.join(layout.rejected, name)
            guard let modified = (try? fs.info(path))??.modified, modified < cut else { continue }
            remove([path], archiving: ("rejected", modified)) { report.rejectedRemoved.append(name) }
        }
    }

    /// Removes applied control messages (`outbox/control/`) older than `cut` whose run is not live.
    func sweepControl(before cut: Date) {
        for entry in ((try? fs.list(layout.control)) ?? []).sorted(by: { $0.name < $1.name }) where !entry.name.hasPrefix(".") {
            let path = Path.join(layout.control, entry.name)
            guard let info = try? fs.info(path), info.modified < cut else { continue }
            let runId = (try? fs.readFile(path, maxBytes: 1 << 20)).flatMap { try? JSONParser.parse($0) }?["runId"]?.stringValue
            if let runId, isLive(runId) { continue }
            remove([path], archiving: ("control", info.modified)) { report.controlRemoved.append(entry.name) }
        }
    }

    /// True when a run has not finished: a live record, or a kept request without a result (and not being purged).
    private func isLive(_ runId: String) -> Bool {
        locator.hasLiveRecord(runId) || locator.isAccepted(runId) && !locator.hasResult(runId) && !locator.isPurging(runId)
    }

    /// Removes each index day file whose day ended before `cut` and none of whose runs is left (no result, not purging).
    func sweepIndex(before cut: Date) {
        let purged = options.dryRun ? Set(report.purged) : []
        let liveness = context.liveness
        for file in (try? IndexFiles.list(layout: layout, fileSystem: fs)) ?? [] {
            // A live runner may still append to any of its files (a repair line for an old day): its files stay.
            guard let start = IndexFiles.start(ofDay: file.day), start.addingTimeInterval(RetentionSettings.day) <= cut,
                file.writer == context.identity.folderName || liveness.isDead(file.writer),
                let before = try? fs.info(file.path)
            else { continue }
            // In chunks, stopping at the first run that is left.
            var gone = true
            do {
                try LineChunks(fileSystem: fs).forEach(file.path) { line in
                    guard let runId = IndexEntry(line: line.bytes)?.runId else { return true }
                    gone = purged.contains(runId) || !locator.hasResult(runId) && !locator.isPurging(runId)
                    return gone
                }
            } catch {
                continue
            }
            // Unchanged since it was read, or a line came in meanwhile and it stays.
            guard gone, let now = try? fs.info(file.path), now.inode == before.inode, now.size == before.size else { continue }
            remove([file.path]) { report.indexFilesRemoved.append(Path.name(file.path)) }
        }
    }

    /// Removes `paths` in order (a dry run only says so), then notes the removal; a failure is said and stops there.
    ///
    /// With `--archive`, `archiving` (a kind, `rejected` or `control`, and the file's day) moves them to
    /// `DIR/<yyyy-mm-dd>/<kind>/` instead: a rename, or on another file system a flushed copy and then the removal.
    private func remove(_ paths: [String], archiving: (kind: String, at: Date)? = nil, removed: () -> Void) {
        if options.dryRun {
            report.bytesFreed += paths.reduce(0) { $0 + tree.size($1) }
            removed()
            return
        }
        let into = archiving.flatMap { kind, at in options.archive.map { Path.join($0, IndexFiles.day(of: at), kind) } }
        for path in paths {
            do {
                if let into {
                    report.bytesFreed += try archive(path, into: into)
                } else {
                    report.bytesFreed += try tree.remove(path)
                }
            } catch {
                problem(layout.relative(path), .cannotSweep(error, archiving: into != nil))
                return
            }
        }
        removed()
    }

    /// Moves one file to the folder `into` (made when missing); returns its bytes.
    private func archive(_ path: String, into: String) throws(FileSystemError) -> Int64 {
        let size = tree.size(path)
        try fs.makeDirectory(into)
        let target = Path.join(into, Path.name(path))
        do {
            try fs.rename(path, to: target)
        } catch let error where error.code == EXDEV {
            try tree.remove(target)
            try tree.copy(path, to: target)
            try fs.syncDirectory(into)
            try tree.remove(path)
        }
        if strict { try fs.syncDirectory(into) }
        return size
    }
}
