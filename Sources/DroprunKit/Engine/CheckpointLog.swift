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
/// A segment is closed once it passes `segmentBytes`; closed segments are
/// removed, oldest first, once no run still depends on them (every run that
/// has a line in them has finished or published a live record as new as its
/// last line). A runner that stops cleanly removes its folder.
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
        /// The oldest segment still on disk.
        var oldest = 0
        /// Each logged run's newest segment, and whether its newest line is newer than its live record.
        var runs: [String: (segment: Int, pending: Bool)] = [:]
    }

    /// `outbox/checkpoints/<runner>/`.
    public let folder: String
    private let fileSystem: any FileSystem
    private let segmentBytes: Int
    private let state = Mutex(State())

    /// The log of the runner whose folder is `folder`; nothing is created until the first line.
    public init(folder: String, fileSystem: any FileSystem, segmentBytes: Int = 8 << 20) {
        self.folder = folder
        self.fileSystem = fileSystem
        self.segmentBytes = segmentBytes
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

    /// Appends the run's state; `claim` is the name of the claim file that stands for it, if it has no live record.
    public func append(_ record: RunRecord, claim: String?) throws(FileSystemError) {
        var line: [UInt8] = []
        line.reserveCapacity(2048)
        line.append(contentsOf: #"{"claim":"#.utf8)
        if let claim { JSONWriter.appendString(claim, to: &line) } else { line.append(contentsOf: "null".utf8) }
        line.append(contentsOf: #","record":"#.utf8)
        Self.appendCompacted(record.prettyBytes, to: &line)
        line.append(contentsOf: "}\n".utf8)
        try state.withLock { (state: inout State) throws(FileSystemError) in
            let file: any AppendableFile
            if let open = state.file {
                file = open
            } else {
                try fileSystem.makeDirectory(folder)
                file = try fileSystem.openForAppending(segmentPath(state.segment))
                state.file = file
            }
            try file.append(line)
            state.bytes += line.count
            state.runs[record.runId] = (state.segment, true)
            if state.bytes >= segmentBytes {
                file.close()
                state.file = nil
                state.segment += 1
                state.bytes = 0
            }
            removeUnneeded(&state)
        }
    }

    /// The run's newest state is now in its live record (or the run ended): its lines are no longer needed.
    ///
    /// `finished` forgets the run altogether; otherwise its later states are
    /// still appended before they are published, so the log never holds an
    /// older state than the live record.
    public func settled(_ runId: String, finished: Bool) {
        state.withLock { state in
            guard let run = state.runs[runId] else { return }
            if finished {
                state.runs[runId] = nil
            } else {
                state.runs[runId] = (run.segment, false)
            }
            removeUnneeded(&state)
        }
    }

    /// Removes closed segments, oldest first, that no run depends on.
    ///
    /// Only a prefix is ever removed: a run's older lines sit in older
    /// segments, and removing a newer segment while an older one stays would
    /// make an older state look like the newest.
    private func removeUnneeded(_ state: inout State) {
        guard state.oldest < state.segment else { return }
        var needed = state.segment
        for run in state.runs.values where run.pending { needed = min(needed, run.segment) }
        guard needed > state.oldest else { return }
        while state.oldest < needed {
            try? fileSystem.remove(segmentPath(state.oldest))
            state.oldest += 1
        }
        // Runs whose every line is gone: their live record or result is all there is.
        state.runs = state.runs.filter { $0.value.segment >= state.oldest }
    }

    /// Closes the log; removes it when no run depends on it (a clean stop), else leaves it for the runner that takes over.
    public func close() {
        state.withLock { state in
            state.file?.close()
            state.file = nil
            guard !state.runs.values.contains(where: \.pending) else { return }
            for number in state.oldest...state.segment { try? fileSystem.remove(segmentPath(number)) }
            try? fileSystem.removeDirectory(folder)
            state.runs = [:]
            state.oldest = state.segment
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
        var skipping = false
        for byte in pretty {
            if byte == 0x0A {
                skipping = true
            } else if skipping && byte == 0x20 {
                continue
            } else {
                skipping = false
                out.append(byte)
            }
        }
    }

    /// Every run's last line in the log at `folder`, segments in order; unreadable or torn lines are skipped.
    public static func read(folder: String, fileSystem: any FileSystem) -> [String: Entry] {
        var segments: [(Int, String)] = []
        for entry in (try? fileSystem.list(folder)) ?? [] where entry.name.hasSuffix(".log") {
            if let number = Int(entry.name.dropLast(4)) { segments.append((number, entry.name)) }
        }
        var entries: [String: Entry] = [:]
        for (_, name) in segments.sorted(by: { $0.0 < $1.0 }) {
            guard let bytes = try? fileSystem.readFile(Path.join(folder, name), maxBytes: 1 << 30) else { continue }
            var start = 0
            while let end = bytes[start...].firstIndex(of: 0x0A) {
                defer { start = end + 1 }
                guard let line = try? JSONParser.parse(Array(bytes[start..<end])), let record = line["record"],
                    let runId = record["runId"]?.stringValue
                else { continue }
                entries[runId] = Entry(record: record, claim: line["claim"]?.stringValue)
            }
            // Bytes after the last newline are a torn line: ignored.
        }
        return entries
    }

    /// Removes the log at `folder` (after the runs in it were taken over).
    public static func remove(folder: String, fileSystem: any FileSystem) {
        for entry in (try? fileSystem.list(folder)) ?? [] { try? fileSystem.remove(Path.join(folder, entry.name)) }
        try? fileSystem.removeDirectory(folder)
    }
}
