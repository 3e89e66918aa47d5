import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the history index anew from `outbox/results/` (`droprun reindex`, and a runner's start when the index was never built).
///
/// The index is derived data: every line can be made again from a result.
/// A rebuild reads every result, writes one file per UTC day of `finishedAt`
/// under its own writer name (`<day>~reindex-<time>-<pid>.jsonl`, each whole:
/// a temporary file, then a rename), sorted by `finishedAt`, then removes the
/// index files that its lines make redundant, then writes the marker
/// `outbox/index/.built`.
///
/// A file is removed only when nothing was appended to it since before the
/// results were listed (same inode, size and modification time), so every
/// line in it is about a result the rebuild read; and only when its writer
/// holds no live lease: a rebuild (which never has one) or a runner that is
/// gone. A live runner's files are never removed, whatever their day: it
/// holds its newest day's file open and may append to any day's (recovery
/// repairs a run that finished days ago), and a removal between its append
/// and the rebuild's last look at the file would lose a line. The files it
/// keeps repeat some of its lines, which readers take as one. Two rebuilds at
/// once therefore leave at worst duplicate lines: each removes only files it
/// covers. A name that looks like an index file's but is not a regular file
/// (a link, a named pipe) is left alone and reported.
public struct IndexBuilder: Sendable {
    /// What a rebuild did.
    public struct Report: Sendable, Equatable {
        /// Finished runs written into the index.
        public var runs = 0
        /// The day files written (names under `outbox/index/`), oldest day first.
        public var files: [String] = []
        /// Earlier index files removed (their lines are in `files`).
        public var removed = 0
        /// Results that could not be read: each file (relative to the root) and why. They are not in the index.
        public var unreadable: [Unreadable] = []
        /// Entries of `outbox/index/` named like index files that are not regular files (relative to the root, and
        /// what they are): not index files, left alone.
        public var notIndexFiles: [Unreadable] = []
        /// How long the rebuild took.
        public var seconds = 0.0
    }

    /// A result the rebuild could not read.
    public struct Unreadable: Sendable, Equatable {
        /// The file, relative to the root (`outbox/results/x.json`).
        public var file: String
        /// Why.
        public var reason: String
    }

    let layout: RootLayout
    let fileSystem: any FileSystem
    let clock: any RunnerClock
    /// Strict durability: each file is flushed before it is renamed into place, and the marker after them.
    let durable: Bool
    /// Names the rebuild's files.
    let pid: Int32
    /// True when the runner of a folder name is alive (its heartbeat holds): its current files may still grow.
    let isLive: @Sendable (String) -> Bool

    public init(
        layout: RootLayout, fileSystem: any FileSystem, clock: any RunnerClock, durable: Bool, pid: Int32 = getpid(),
        isLive: @escaping @Sendable (String) -> Bool
    ) {
        self.layout = layout
        self.fileSystem = fileSystem
        self.clock = clock
        self.durable = durable
        self.pid = pid
        self.isLive = isLive
    }

    /// A builder for an engine's root, judging runners by their leases.
    init(context: EngineContext) {
        let liveness = context.liveness
        self.init(
            layout: context.layout, fileSystem: context.fileSystem, clock: context.clock,
            durable: context.configuration.durability == .strict, pid: context.identity.pid, isLive: { !liveness.isDead($0) })
    }

    /// `outbox/index/.built`: the index covers every result (hidden, so `IndexFiles.list` never takes it for a day file).
    public static func marker(_ layout: RootLayout) -> String { layout.indexBuiltMarker }

    /// True when the marker is in place.
    public var isBuilt: Bool { fileSystem.exists(Self.marker(layout)) }

    /// At a runner's start: builds the index when it was never built; nil when there was nothing to build.
    ///
    /// With the marker in place, one `stat`. Without it and no result, the
    /// marker alone is written (every run from now on appends its line).
    public func ensureBuilt() throws(FileSystemError) -> Report? {
        if isBuilt { return nil }
        if try resultNames().isEmpty {
            try writeMarker()
            return nil
        }
        return try rebuild()
    }

    /// Rebuilds the index from every result, removes the files it makes redundant, and writes the marker.
    ///
    /// - Throws: when the index cannot be written; `IndexFolder.problem` says first whether `outbox/index` is a folder.
    public func rebuild() throws(FileSystemError) -> Report {
        let began = clock.now()
        try fileSystem.makeDirectory(layout.index)
        // Taken before the results are listed: a file unchanged since holds only lines about results listed below.
        var report = Report()
        var before: [(IndexFiles.File, FileInfo)] = []
        for file in try IndexFiles.list(layout: layout, fileSystem: fileSystem) {
            guard let info = (try? fileSystem.info(file.path)).flatMap({ $0 }) else { continue }
            guard info.type == .regular else {
                report.notIndexFiles.append(Unreadable(file: layout.relative(file.path), reason: "it is \(info.type.phrase), not an index file"))
                continue
            }
            before.append((file, info))
        }
        // Lines are spilled per day to hidden files as they come (a little buffered per day), then each day is read
        // back alone, sorted and written: memory holds one day's lines, not every run's.
        let writer = "reindex-\(Timestamp.compact(began))-\(pid)"
        removeStaleSpills()
        var spill = DaySpill(folder: layout.index, writer: writer, fileSystem: fileSystem)
        defer { spill.discard() }
        let hint = AuditSegmentHint(layout: layout, fileSystem: fileSystem)
        for name in try resultNames() {
            let path = Path.join(layout.results, name)
            let record: RunRecord
            do {
                record = try RecordReader.record(at: path, fileSystem: fileSystem)
            } catch {
                // Removed since the listing (a gc): not a problem of the index.
                if case .notFound = error.reason { continue }
                report.unreadable.append(Unreadable(file: layout.relative(path), reason: error.reason.description))
                continue
            }
            guard let finishedAt = record.finishedAt,
                let entry = IndexEntry(
                    record: record, audit: hint.names(runner: record.runnerId, from: record.createdAt, to: finishedAt))
            else {
                report.unreadable.append(
                    Unreadable(file: layout.relative(path), reason: "it is a result of status \(record.status.rawValue) without a finish time"))
                continue
            }
            try spill.add(entry.line, day: IndexFiles.day(of: finishedAt))
            report.runs += 1
        }
        try spill.flushAll()
        for day in spill.days.sorted() {
            var lines: [(finishedAt: Date, runId: String, line: ArraySlice<UInt8>)] = []
            let bytes = try spill.read(day)
            for line in bytes.split(separator: 0x0A) {
                guard let entry = IndexEntry(line: line) else { continue }
                lines.append((entry.finishedAt, entry.runId, line))
            }
            lines.sort { ($0.finishedAt, $0.runId) < ($1.finishedAt, $1.runId) }
            var sorted: [UInt8] = []
            sorted.reserveCapacity(bytes.count)
            for line in lines {
                sorted.append(contentsOf: line.line)
                sorted.append(0x0A)
            }
            let name = IndexFiles.name(day: day, writer: writer)
            try fileSystem.writeAtomically(Path.join(layout.index, name), sorted, sync: durable)
            spill.remove(day)
            report.files.append(name)
        }
        for (file, seen) in before where !report.files.contains(Path.name(file.path)) {
            // A live runner may still append to any of its files (see above); a rebuild's writer never holds a lease.
            guard !isLive(file.writer), let now = try? fileSystem.info(file.path), now.type == .regular,
                now.inode == seen.inode, now.size == seen.size, now.modified == seen.modified
            else { continue }
            do {
                try fileSystem.remove(file.path)
                report.removed += 1
            } catch {
                // Gone already (another rebuild removed it), or kept: its lines repeat the new ones, which readers allow.
            }
        }
        try writeMarker()
        report.seconds = clock.now().timeIntervalSince(began)
        return report
    }

    /// The result files' names (`<runId>.json`, not hidden).
    private func resultNames() throws(FileSystemError) -> [String] {
        do {
            return try fileSystem.list(layout.results).map(\.name).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
        } catch let error where error.isNotFound {
            return []
        }
    }

    /// Spill files a killed rebuild left (hidden, `.<writer>~<day>.spill`), untouched for an hour: removed.
    private func removeStaleSpills() {
        for entry in (try? fileSystem.list(layout.index)) ?? [] where entry.name.hasPrefix(".") && entry.name.hasSuffix(DaySpill.suffix) {
            let path = Path.join(layout.index, entry.name)
            guard let info = try? fileSystem.info(path), clock.now().timeIntervalSince(info.modified) > 3_600 else { continue }
            try? fileSystem.remove(path)
        }
    }

    private func writeMarker() throws(FileSystemError) {
        try fileSystem.makeDirectory(layout.index)
        let marker: JSONValue = ["builtAt": .string(Timestamp.format(clock.now()))]
        try fileSystem.writeAtomically(Self.marker(layout), JSONWriter.prettyBytes(marker), sync: durable)
    }
}
