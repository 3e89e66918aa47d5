import Foundation

extension IndexReader {
    /// What a pass over the runs that finished in a window read besides the runs.
    public struct Pass: Sendable, Equatable {
        /// Runs handed on.
        public var runs = 0
        /// Lines that could not be read (torn by a crash, edited): skipped.
        public var unreadableLines = 0
        /// Files that could not be read: their runs are missing.
        public var unreadableFiles: [UnreadableFile] = []
        /// The files opened, newest day first.
        public var filesRead: [String] = []
    }

    /// Hands each run that finished at or after `since` and before `until` to `body` once: newest day first, in no
    /// particular order within a day.
    ///
    /// A day's file holds only runs that finished that (UTC) day, so days
    /// outside the window are never opened, and the pass stops at the first
    /// day that ended before `since`. Lines are read from each file's end in
    /// chunks (see `newest(_:limit:skipPurged:)`); a line whose `finishedAt`
    /// (read in place) is outside the window is not parsed. Every line about
    /// one run says the same finish time, so its lines are all in one day:
    /// runs are told apart within a day, and memory holds one day's run ids
    /// at most, never the entries. Runs whose result `gc` removed are handed
    /// on too (their lines stay until their day goes): they happened.
    ///
    /// - Throws: when `outbox/index/` cannot be listed; a file that cannot be read is in `unreadableFiles`.
    public func forEachFinished(since: Date?, until: Date?, _ body: (IndexEntry) -> Void) throws(FileSystemError) -> Pass {
        var days: [(day: String, files: [IndexFiles.File])] = []
        for file in try IndexFiles.list(layout: layout, fileSystem: fileSystem) {
            if days.last?.day == file.day { days[days.count - 1].files.append(file) } else { days.append((file.day, [file])) }
        }
        return withoutActuallyEscaping(body) { body in
            var sink = FinishedSink(since: since, until: until, body: body)
            for (day, files) in days.reversed() {
                guard let start = IndexFiles.start(ofDay: day) else { continue }
                if let until, start >= until { continue }
                if let since, start.addingTimeInterval(86_400) <= since { break }
                sink.seen.removeAll(keepingCapacity: true)
                for file in files { read(file, into: &sink) }
            }
            return sink.pass
        }
    }
}

/// Takes the lines of a pass over a window (`IndexReader.forEachFinished`).
private struct FinishedSink: IndexLineSink {
    static let finishedAtKey: [UInt8] = Array(#""finishedAt":""#.utf8)

    let since: Date?
    let until: Date?
    let body: (IndexEntry) -> Void
    /// Bounds on a line's `finishedAt` in milliseconds, rounded so that a line outside them is outside the window.
    let sinceFloor: Int64?
    let untilCeiling: Int64?
    var pass = IndexReader.Pass()
    /// The run ids met in the day at hand.
    var seen: Set<String> = []
    var newlines: [Int] = []

    init(since: Date?, until: Date?, body: @escaping (IndexEntry) -> Void) {
        self.since = since
        self.until = until
        self.body = body
        sinceFloor = since.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
        untilCeiling = until.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.up)) }
    }

    mutating func line(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.isEmpty else { return }
        // The first `"finishedAt":"` is the top-level member: the members before it (audit, createdAt, durationMs,
        // error) hold no key of that name, and a quote inside a string is written `\"`.
        if let finished = IndexLineBytes.millis(after: Self.finishedAtKey, in: bytes) {
            if let sinceFloor, finished < sinceFloor { return }
            if let untilCeiling, finished >= untilCeiling { return }
        }
        guard let entry = IndexEntry(line: bytes) else {
            pass.unreadableLines += 1
            return
        }
        if let since, entry.finishedAt < since { return }
        if let until, entry.finishedAt >= until { return }
        guard seen.insert(entry.runId).inserted else { return }
        pass.runs += 1
        body(entry)
    }

    mutating func opened(_ path: String) { pass.filesRead.append(path) }

    mutating func unreadable(_ file: IndexReader.UnreadableFile) { pass.unreadableFiles.append(file) }

    mutating func skippedLine() { pass.unreadableLines += 1 }
}
