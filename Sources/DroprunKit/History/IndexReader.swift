import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the history index's finished runs newest first (by `createdAt`, then run id): what `list` shows of them.
///
/// Days are taken from the newest down, and each file of a day is read
/// backwards in chunks (`chunkBytes`), so memory stays at a chunk, the line
/// being put together and the rows kept, whatever the size of a day. A line
/// is parsed only when its bytes can match: its `createdAt` (read in place,
/// see `IndexLineBytes`) is within the query's times and newer than the
/// oldest row kept, and it holds the query's `needles`. Lines about one run
/// say the same (a repaired line, a rebuild beside a runner's file), so a run
/// is kept once. A line that cannot be read (torn by a power cut, edited) is
/// skipped and counted; the library never prints, so the command says so.
///
/// Reading stops at a day boundary: a day's file holds only runs that
/// finished that (UTC) day, and a run is created before it finishes (less
/// `clockSlack` between machines), so once `limit` rows are kept, a day that
/// ended (plus the slack) before the oldest kept row was created holds
/// nothing that could enter, nor does any older day; and with `since`, days
/// that ended before `since` less the slack are never opened. The stop is by
/// day and not by line, although a runner appends its lines in the order its
/// runs finish: it also appends the lines it repairs (a run another runner
/// finished and died before indexing) with their older `finishedAt`, and a
/// stop at such a line would miss the newer lines before it.
///
/// With `skipPurged`, a run whose result is gone (`gc` removed it; the line
/// stays until its whole day is gone) is not kept: one `stat` per row kept.
public struct IndexReader: Sendable {
    /// How far a time written on one machine may be ahead of one written on another.
    public static let clockSlack: TimeInterval = 2
    /// The bytes read at once.
    public static let defaultChunkBytes = 256 << 10

    public let layout: RootLayout
    public let fileSystem: any FileSystem
    /// The bytes read at once.
    public var chunkBytes: Int
    /// A longer line is not put together (memory stays bounded): it is skipped and counted as unreadable.
    public var maxLineBytes = 16 << 20

    public init(layout: RootLayout, fileSystem: any FileSystem, chunkBytes: Int = IndexReader.defaultChunkBytes) {
        self.layout = layout
        self.fileSystem = fileSystem
        self.chunkBytes = max(chunkBytes, 1)
    }

    /// The marker's path.
    public var builtMarker: String { layout.indexBuiltMarker }

    /// True when the index covers every result, so queries may read it instead of `outbox/results/`: two `lstat`s.
    ///
    /// `outbox/index` must be a folder of its own: a runner writes no line while a file or a link stands there
    /// (`IndexFolder`), so a marker seen through a link says nothing about the runs since.
    public var isBuilt: Bool { IndexFolder.problem(layout: layout, fileSystem: fileSystem) == nil && fileSystem.exists(builtMarker) }

    /// An index file that could not be read: its runs are missing from the page.
    public struct UnreadableFile: Sendable, Equatable {
        public var path: String
        public var reason: String
    }

    /// What a reading found.
    public struct Page: Sendable {
        /// The runs, newest first (`ListPosition`), at most the limit asked for.
        public var entries: [IndexEntry] = []
        /// Lines looked at that could not be read: skipped.
        public var unreadableLines = 0
        /// Files that could not be read.
        public var unreadableFiles: [UnreadableFile] = []
        /// The files opened, in the order read (what a query cost).
        public var filesRead: [String] = []
    }

    /// The newest `limit` runs the query matches.
    ///
    /// - Throws: when `outbox/index/` cannot be listed; a file that cannot be read is in `unreadableFiles`.
    public func newest(_ query: IndexQuery, limit: Int, skipPurged: Bool = true) throws(FileSystemError) -> Page {
        var scan = Scan(query: query, limit: limit, skipPurged: skipPurged, layout: layout, fileSystem: fileSystem)
        guard limit > 0 else { return scan.page }
        var days: [(day: String, files: [IndexFiles.File])] = []
        for file in try IndexFiles.list(layout: layout, fileSystem: fileSystem) {
            if days.last?.day == file.day { days[days.count - 1].files.append(file) } else { days.append((file.day, [file])) }
        }
        for (day, files) in days.reversed() {
            guard let start = IndexFiles.start(ofDay: day) else { continue }
            // No run of this day was created at or after this.
            let bound = start.addingTimeInterval(86_400 + Self.clockSlack)
            if let since = query.since, bound <= since { break }
            if let oldest = scan.oldestIfFull, oldest.createdAt >= bound { break }
            for file in files { read(file, into: &scan) }
        }
        return scan.page
    }

    /// Reads one file from its end, handing its lines to `scan` last first.
    func read(_ file: IndexFiles.File, into scan: inout some IndexLineSink) {
        let size: Int64
        do {
            // Gone since the listing: gc removed a day whose runs are all gone.
            guard let info = try fileSystem.info(file.path) else { return }
            guard info.type == .regular else {
                scan.unreadable(UnreadableFile(path: file.path, reason: "it is \(info.type.phrase), not a regular file"))
                return
            }
            size = info.size
        } catch {
            scan.unreadable(UnreadableFile(path: file.path, reason: "\(error)"))
            return
        }
        scan.opened(file.path)
        var end = size
        // The start of the line that goes on in the bytes read before (which are later in the file).
        var carry: [UInt8] = []
        // Dropping bytes back to the start of a line too long to be read.
        var skipping = false
        while end > 0 {
            let start = max(0, end - Int64(chunkBytes))
            var chunk: [UInt8]
            do {
                chunk = try fileSystem.readRange(file.path, offset: start, count: Int(end - start))
            } catch .notFound {
                return
            } catch {
                scan.unreadable(UnreadableFile(path: file.path, reason: "\(error)"))
                return
            }
            guard chunk.count == Int(end - start) else {
                scan.unreadable(UnreadableFile(path: file.path, reason: "it became shorter while it was read"))
                return
            }
            if skipping {
                guard let newline = chunk.lastIndex(of: 0x0A) else {
                    end = start
                    continue
                }
                chunk.removeSubrange((newline + 1)...)
                skipping = false
            } else {
                chunk.append(contentsOf: carry)
            }
            carry = scan.take(chunk, headIsWhole: start == 0)
            if carry.count > maxLineBytes {
                scan.skippedLine()
                carry = []
                skipping = true
            }
            end = start
        }
    }
}

extension IndexReader {
    /// One reading's state: the query's byte forms and the rows kept so far.
    private struct Scan: IndexLineSink {
        let query: IndexQuery
        let limit: Int
        let skipPurged: Bool
        let layout: RootLayout
        let fileSystem: any FileSystem
        let needles: [[UInt8]]
        let statusNeedles: [[UInt8]]
        /// Bounds on a line's `createdAt` in milliseconds, rounded so that a line outside them is outside the query's.
        let sinceFloor: Int64?
        let untilCeiling: Int64?
        let afterCeiling: Int64?
        var page = Page()
        /// `page.entries`' run ids.
        var keptIds: Set<String> = []
        /// The oldest kept row's `createdAt` in milliseconds, once `limit` rows are kept.
        var oldestMillis: Int64?
        /// Where the newlines of the chunk at hand are (kept to reuse its storage).
        var newlines: [Int] = []

        init(query: IndexQuery, limit: Int, skipPurged: Bool, layout: RootLayout, fileSystem: any FileSystem) {
            self.query = query
            self.limit = limit
            self.skipPurged = skipPurged
            self.layout = layout
            self.fileSystem = fileSystem
            needles = query.needles
            statusNeedles = query.statusNeedles
            sinceFloor = query.since.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
            untilCeiling = query.until.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.up)) }
            afterCeiling = query.after.map { Int64(($0.time.timeIntervalSince1970 * 1000).rounded(.up)) }
        }

        /// The oldest kept row, once `limit` are kept.
        var oldestIfFull: IndexEntry? { page.entries.count >= limit ? page.entries.last : nil }

        mutating func opened(_ path: String) { page.filesRead.append(path) }

        mutating func unreadable(_ file: UnreadableFile) { page.unreadableFiles.append(file) }

        mutating func skippedLine() { page.unreadableLines += 1 }

        /// One whole line (without its newline).
        mutating func line(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard !bytes.isEmpty else { return }
            if let created = IndexLineBytes.millis(after: IndexLineBytes.createdAtKey, in: bytes) {
                if let sinceFloor, created < sinceFloor { return }
                if let untilCeiling, created >= untilCeiling { return }
                if let afterCeiling, created > afterCeiling { return }
                if let oldestMillis, created < oldestMillis { return }
            }
            if !statusNeedles.isEmpty, !statusNeedles.contains(where: { IndexLineBytes.contains($0, in: bytes) }) { return }
            for needle in needles where !IndexLineBytes.contains(needle, in: bytes) { return }
            guard let entry = IndexEntry(line: bytes) else {
                page.unreadableLines += 1
                return
            }
            if query.matches(entry) { offer(entry) }
        }

        /// Keeps a matching run if it is among the newest `limit` so far.
        mutating func offer(_ entry: IndexEntry) {
            guard !keptIds.contains(entry.runId) else { return }
            let position = entry.position
            if let oldest = oldestIfFull, !position.precedes(oldest.position) { return }
            if skipPurged, !fileSystem.exists(layout.result(entry.runId)) { return }
            var low = 0
            var high = page.entries.count
            while low < high {
                let middle = (low + high) / 2
                if page.entries[middle].position.precedes(position) { low = middle + 1 } else { high = middle }
            }
            page.entries.insert(entry, at: low)
            keptIds.insert(entry.runId)
            if page.entries.count > limit { keptIds.remove(page.entries.removeLast().runId) }
            if let oldest = oldestIfFull { oldestMillis = Int64((oldest.createdAt.timeIntervalSince1970 * 1000).rounded()) }
        }
    }
}
