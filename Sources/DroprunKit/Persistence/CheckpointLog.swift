import Synchronization

/// This runner's checkpoint log: `outbox/checkpoints/<runner>/<segment>.log`, one line per checkpoint.
///
/// Between two steps that finish at once (a template, a transform), a run's
/// new state is appended here, one `write(2)` of one line, instead of replacing
/// its live record: a file created, renamed and freed per step costs several
/// times more than an append. The live record in `outbox/running/` is
/// refreshed before any step that may wait, and when the run waits, is
/// interrupted or ends, so a run that takes any time always has a current
/// live record; the log only ever holds what happened in the microseconds
/// since.
///
/// Each line is `{"claim":<name or null>,"record":<the record, compact>}`.
/// `claim` names the file in the runner's claim folder that stands for a run
/// with no live record yet. Once a run has a line, every later state of it is
/// appended before it is published, so the last line of a run is always its
/// newest state while this runner holds it. When the runner dies, the runner
/// that takes over its runs reads the log (`CheckpointLog.read`) and resumes
/// each unfinished run from its last line: steps that finished are not run
/// again. A torn last line (a power cut in the middle of an append) is
/// ignored.
///
/// `strict` durability: a line is durable with the run's next flush (a
/// `syncfs` of the whole file system), which comes before anything about the
/// run is reported.
///
/// A segment is closed once it passes `segmentBytes`: the last lines of the
/// runs that still depend on the log (in flight, or stuck) are copied into
/// the next segment, then the closed one is removed. So the log stays near one
/// segment however long the runner lives, and a run that never ends pins only
/// its own line. In strict durability the copies are flushed before the closed
/// segment goes. If it cannot be removed, no run is forgotten: every run with
/// a line keeps appending its states until a later rotation removes every
/// older segment. A runner that stops cleanly removes its folder.
///
/// A line's `claim` may outlive the claim (the run published its record, and
/// a later drop took the same name): recovery takes a claim for a run only
/// when it is the run's kept request (`outbox/requests/<runId>.json`, the same
/// inode), so a stale name never moves another run's file.
public final class CheckpointLog: Sendable {
    /// One run's last line.
    public struct Entry: Sendable, Equatable {
        /// The run's state (the record's JSON).
        public var record: JSONValue
        /// The claim file that stood for the run, when it had no live record.
        public var claim: String?
    }

    private struct State {
        var file: (any AppendableFile)?
        var segment = 0
        var bytes = 0
        /// Runs with a line in the open segment: their last line while it is newer than their live record, else nil.
        var runs: [String: [UInt8]?] = [:]
        /// Closed segments that could not be removed: while any is left, runs are not forgotten.
        var leftovers: [Int] = []
    }

    /// `outbox/checkpoints/<runner>/`.
    public let folder: String
    private let fileSystem: any FileSystem
    private let segmentBytes: Int
    private let durable: Bool
    private let state = Mutex(State())

    /// The log of the runner whose folder is `folder`; nothing is created until the first line.
    ///
    /// `durable` (strict durability): a closed segment's needed lines are
    /// flushed in the next segment before the closed one is removed.
    public init(folder: String, fileSystem: any FileSystem, segmentBytes: Int = 8 << 20, durable: Bool = false) {
        self.folder = folder
        self.fileSystem = fileSystem
        self.segmentBytes = segmentBytes
        self.durable = durable
    }

    /// The path of segment `number`.
    func segmentPath(_ number: Int) -> String { Path.join(folder, Self.segmentName(number)) }

    static func segmentName(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits + ".log"
    }

    /// True when `runId` has a line in the log (its later states must be appended before they are published).
    public func holds(_ runId: String) -> Bool {
        state.withLock { $0.runs[runId] != nil }
    }

    /// True when the log holds a state of `runId` newer than its live record.
    public func isAhead(_ runId: String) -> Bool {
        state.withLock { $0.runs[runId].map { $0 != nil } ?? false }
    }

    /// Appends the run's state; `claim` is the name of the claim file that stands for it, if it has no live record.
    public func append(_ record: RunRecord, claim: String?) throws(FileSystemError) {
        try append(runId: record.runId, prettyRecord: record.prettyBytes, claim: claim)
    }

    /// Appends a run's state given as the record's pretty JSON (recovery, which resumes a dead runner's line).
    func append(runId: String, prettyRecord: [UInt8], claim: String?) throws(FileSystemError) {
        var line: [UInt8] = []
        line.reserveCapacity(2048)
        line.append(contentsOf: #"{"claim":"#.utf8)
        if let claim { JSONWriter.appendString(claim, to: &line) } else { line.append(contentsOf: "null".utf8) }
        line.append(contentsOf: #","record":"#.utf8)
        Self.appendCompacted(prettyRecord, to: &line)
        line.append(contentsOf: "}\n".utf8)
        try state.withLock { (state: inout State) throws(FileSystemError) in
            try write(line, &state)
            state.runs[runId] = line
            if state.bytes >= segmentBytes { try startNextSegment(&state) }
        }
    }

    private func write(_ line: [UInt8], _ state: inout State) throws(FileSystemError) {
        let file: any AppendableFile
        if let open = state.file {
            file = open
        } else {
            try fileSystem.makeDirectory(folder)
            file = try fileSystem.openForAppending(segmentPath(state.segment))
            state.file = file
        }
        do {
            try file.append(line)
        } catch {
            // Part of the line may be written (a full disk): nothing more goes after it, or the next line would be
            // joined to the torn one and lost. The segment is closed as it is; the next line starts a new one.
            closeSegment(&state)
            throw error
        }
        state.bytes += line.count
    }

    /// Closes the open segment for good (it is removed once no run needs it); the next line starts a new one.
    private func closeSegment(_ state: inout State) {
        state.file?.close()
        state.file = nil
        state.leftovers.append(state.segment)
        state.segment += 1
        state.bytes = 0
    }

    /// Closes the open segment: copies the lines still needed into a new one, then removes it.
    ///
    /// Copied first (and flushed, when `durable`), removed after: a crash in
    /// between leaves both, and reading them in order gives the same last lines.
    private func startNextSegment(_ state: inout State) throws(FileSystemError) {
        closeSegment(&state)
        let ahead = state.runs.compactMapValues { $0 }
        for runId in ahead.keys.sorted() { try write(ahead[runId]!, &state) }
        if durable, let file = state.file {
            try file.sync()
            try fileSystem.syncDirectory(folder)
        }
        // Oldest first, stopping at the first that stays: a newer segment never goes while an older one is left,
        // or a settled run's older line there would become its last.
        while let oldest = state.leftovers.first {
            let removed = Result { () throws(FileSystemError) in try fileSystem.remove(segmentPath(oldest)) }
            if case .failure(let error) = removed, !error.isNotFound { break }
            state.leftovers.removeFirst()
        }
        // Runs whose live record is as new as their line now have no line at all, unless an older segment is still
        // there with their lines: then they keep appending, so their last line stays their newest state.
        if state.leftovers.isEmpty { state.runs = ahead.mapValues { Optional($0) } }
    }

    /// The run's newest state is now in its live record (or the run ended, or is no longer this runner's).
    ///
    /// `finished` forgets the run; otherwise its later states are still
    /// appended before they are published (it holds a line), so the log never
    /// holds an older state than the live record.
    public func settled(_ runId: String, finished: Bool) {
        state.withLock { state in
            guard state.runs[runId] != nil else { return }
            state.runs[runId] = finished ? .none : .some(nil)
        }
    }

    /// Closes the log; removes it when no run depends on it (a clean stop), else leaves it for the runner that takes over.
    public func close() {
        state.withLock { state in
            state.file?.close()
            state.file = nil
            guard !state.runs.values.contains(where: { $0 != nil }) else { return }
            Self.remove(folder: folder, fileSystem: fileSystem)
            state.runs = [:]
        }
    }

    /// Flushes the open segment (tests; strict durability flushes the whole file system instead).
    func sync() throws(FileSystemError) {
        try state.withLock { (state: inout State) throws(FileSystemError) in try state.file?.sync() }
    }

    /// The pretty record on one line: each newline and the indentation after it dropped.
    ///
    /// A newline in the pretty form is always structural (strings escape
    /// theirs), so this is still the same JSON.
    static func appendCompacted(_ pretty: [UInt8], to out: inout [UInt8]) {
        pretty.withUnsafeBufferPointer { bytes in
            var kept = 0
            var i = 0
            while i < bytes.count {
                guard bytes[i] == 0x0A else {
                    i += 1
                    continue
                }
                // The text up to the newline is copied whole; the newline and the indentation after it are dropped.
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[kept..<i]))
                i += 1
                while i < bytes.count, bytes[i] == 0x20 { i += 1 }
                kept = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[kept..<i]))
        }
    }

    /// Every run's last line in the log at `folder`, segments in order; damaged or torn lines are skipped.
    public static func read(folder: String, fileSystem: any FileSystem) -> [String: Entry] {
        readAll(folder: folder, fileSystem: fileSystem).entries
    }

    /// Every run's last line, and whether every segment could be read (`complete`): a log read only in part
    /// must not be taken for the whole, so recovery keeps it and tries again.
    ///
    /// A whole line (one that ends in a newline) that is not a state of a run
    /// is passed to `damaged` (the runner reports it) and skipped.
    public static func readAll(
        folder: String, fileSystem: any FileSystem, damaged: (UnreadableRecord) -> Void = { _ in }
    ) -> (entries: [String: Entry], complete: Bool) {
        var segments: [(Int, String)] = []
        let listed: [DirectoryEntry]
        do {
            listed = try fileSystem.list(folder)
        } catch {
            return ([:], error.isNotFound)
        }
        for entry in listed where entry.name.hasSuffix(".log") {
            if let number = Int(entry.name.dropLast(4)) { segments.append((number, entry.name)) }
        }
        var entries: [String: Entry] = [:]
        for (_, name) in segments.sorted(by: { $0.0 < $1.0 }) {
            let bytes: [UInt8]
            do {
                bytes = try fileSystem.readFile(Path.join(folder, name), maxBytes: 1 << 30)
            } catch {
                if case .notFound = error { continue }
                return (entries, false)
            }
            var start = 0
            var number = 0
            while let end = bytes[start...].firstIndex(of: 0x0A) {
                defer { start = end + 1 }
                number += 1
                let line: JSONValue
                do {
                    line = try RecordReader.parse(Array(bytes[start..<end]))
                } catch {
                    damaged(UnreadableRecord(path: Path.join(folder, name) + " line \(number)", reason: .invalidJSON(error), hint: damagedLineHint))
                    continue
                }
                guard let record = line["record"], let runId = record["runId"]?.stringValue else {
                    damaged(
                        UnreadableRecord(
                            path: Path.join(folder, name) + " line \(number)", reason: .notARunRecord("no record with a runId"), hint: damagedLineHint
                        ))
                    continue
                }
                entries[runId] = Entry(record: record, claim: line["claim"]?.stringValue)
            }
            // Bytes after the last newline are a torn line: ignored.
        }
        return (entries, true)
    }

    /// What recovery does with a damaged line of a dead runner's log.
    static let damagedLineHint =
        "the line is skipped (its run resumes from its live record or its claim, from an earlier state) and the log is removed once recovered"

    /// Removes the log at `folder` (after the runs in it were taken over).
    public static func remove(folder: String, fileSystem: any FileSystem) {
        for entry in (try? fileSystem.list(folder)) ?? [] { try? fileSystem.remove(Path.join(folder, entry.name)) }
        try? fileSystem.removeDirectory(folder)
    }
}
