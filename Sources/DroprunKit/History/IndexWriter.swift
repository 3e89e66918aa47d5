import Foundation
import Synchronization

/// Appends this runner's lines to the history index: `outbox/index/<day>~<runner>.jsonl`, one file per UTC day of `finishedAt`.
///
/// Like the audit chains, each runner writes files of its own, so no two
/// processes append to one file and no lock is needed, on one machine or over
/// NFS. A line is one `write(2)` on an `O_APPEND` descriptor. Only the newest
/// day's file is kept open: a line for an older day (recovery repairing a run
/// that finished before midnight) opens that day's file for the one append.
///
/// The open file can be taken from under the writer (`rm -rf outbox/index`,
/// a file moved away): lines appended to it then would be lost with it. So
/// the writer checks, at most once a second of its clock (or every
/// `checkLines` lines), that the file at its path is still the one it holds
/// open (device and inode; an `lstat` costs about 3 µs here, more than is
/// worth paying per line), and when it is not, opens the path again (making
/// the folder again if needed) and writes there again the lines appended
/// since the last check (a reader keeps one of two equal lines).
///
/// While something other than a folder stands at `outbox/index`
/// (`IndexFolder`), nothing is written: the index is off, and looked at again
/// once a second.
///
/// Nothing here flushes: in strict durability a line becomes durable with
/// the runner's next group commit (a `syncfs` of the root's file system), as
/// the run's final audit event does. See `docs/history.md`.
public final class IndexWriter: Sendable {
    /// What an append did.
    public enum Outcome: Sendable, Equatable {
        /// The line is in the index.
        case appended
        /// Nothing was written: `outbox/index` is `what` (a file, a link), not a folder; `isNew` the first time it is found.
        case off(what: String, isNew: Bool)
    }

    /// Seconds of the clock between two checks that the open file is still at its path.
    public static let checkSeconds: TimeInterval = 1
    /// Lines appended between two checks at most (bounds the lines kept to write again).
    public static let checkLines = 256

    private struct State {
        /// The newest day written, and its open file.
        var day: String?
        var file: (any AppendableFile)?
        /// The open file's device and inode (nil when the descriptor cannot tell: the path alone is checked).
        var identity: (device: UInt64, inode: UInt64)?
        /// When the open file was last found at its path.
        var checkedAt: Date?
        /// Lines appended to the open file since then: written again if it turns out to be gone.
        var unchecked: [[UInt8]] = []
        /// Days whose file ends in a line cut short (a failed append, a crash): their next line starts on a line of its own.
        var torn: Set<String> = []
        /// What stands at `outbox/index` while the index is off, and when that was looked at.
        var off: String?
        var offCheckedAt: Date?
    }

    private let layout: RootLayout
    private let writer: String
    private let fileSystem: any FileSystem
    private let clock: any RunnerClock
    private let state = Mutex(State())

    /// A writer named `writer` (a runner's folder name); its files are created at their first line.
    public init(layout: RootLayout, writer: String, fileSystem: any FileSystem, clock: any RunnerClock = SystemClock()) {
        self.layout = layout
        self.writer = writer
        self.fileSystem = fileSystem
        self.clock = clock
    }

    /// The path of this writer's file for `day`.
    public func path(day: String) -> String { layout.indexFile(day: day, writer: writer) }

    /// Appends the line of one finished run to the file of its `finishedAt`'s day.
    ///
    /// - Throws: when the line could not be written (it is not in the index).
    @discardableResult
    public func append(_ entry: IndexEntry) throws(FileSystemError) -> Outcome {
        let day = IndexFiles.day(of: entry.finishedAt)
        let line = IndexLine.bytes(entry)
        let now = clock.now()
        return try state.withLock { (state: inout State) throws(FileSystemError) -> Outcome in
            if let outcome = offOutcome(now, state: &state) { return outcome }
            do throws(FileSystemError) {
                if let current = state.day, day < current {
                    // An older day: its file is opened for this line only, and the newest day's stays open.
                    let file = try open(day, now: now, state: &state, keep: false)
                    defer { file.close() }
                    try append(line, to: file, day: day, state: &state)
                    return .appended
                }
                if state.day != day {
                    // The lines of the day before are checked first: its file may be gone too.
                    if state.file != nil, !state.unchecked.isEmpty { try check(now, state: &state) }
                    closeFile(&state)
                    state.day = day
                }
                if state.file != nil, isDue(now, state) { try check(now, state: &state) }
                let file: any AppendableFile
                if let open = state.file { file = open } else { file = try open(day, now: now, state: &state, keep: true) }
                do throws(FileSystemError) {
                    try append(line, to: file, day: day, state: &state)
                } catch {
                    // Opened again at the next line (the file may have been removed or replaced meanwhile).
                    closeFile(&state)
                    throw error
                }
                state.unchecked.append(line)
                return .appended
            } catch {
                if let what = IndexFolder.problem(layout: layout, fileSystem: fileSystem) { return goOff(what, now: now, state: &state) }
                throw error
            }
        }
    }

    /// Checks now that the open file is still at its path, writing again there what was appended since the last check if not.
    ///
    /// For idle moments (a runner with no run finishing) and before the writer closes: lines are otherwise
    /// checked only when the next one is appended.
    ///
    /// - Throws: when the lines could not be written again (they are not in the index).
    public func verify() throws(FileSystemError) {
        let now = clock.now()
        try state.withLock { (state: inout State) throws(FileSystemError) in
            guard state.off == nil, state.file != nil else { return }
            try check(now, state: &state)
        }
    }

    /// Looks at `outbox/index` now: `.off` (new the first time) when it is not a folder, so that nothing is written.
    public func turnOffIfNotAFolder() -> Outcome {
        let now = clock.now()
        return state.withLock { state in
            guard let what = IndexFolder.problem(layout: layout, fileSystem: fileSystem) else { return .appended }
            return goOff(what, now: now, state: &state)
        }
    }

    /// Closes the open file.
    public func close() {
        state.withLock { state in
            closeFile(&state)
            state.day = nil
        }
    }

    /// Nil while the index is on; else (the folder looked at again at most once a second) what the append did.
    private func offOutcome(_ now: Date, state: inout State) -> Outcome? {
        guard let what = state.off else { return nil }
        if let at = state.offCheckedAt, now.timeIntervalSince(at) < Self.checkSeconds, now >= at { return .off(what: what, isNew: false) }
        state.offCheckedAt = now
        if let still = IndexFolder.problem(layout: layout, fileSystem: fileSystem) {
            state.off = still
            return .off(what: still, isNew: false)
        }
        // Moved away: lines are written again (the marker is not: queries read the results until a rebuild).
        state.off = nil
        return nil
    }

    private func goOff(_ what: String, now: Date, state: inout State) -> Outcome {
        closeFile(&state)
        state.day = nil
        let isNew = state.off == nil
        state.off = what
        state.offCheckedAt = now
        return .off(what: what, isNew: isNew)
    }

    private func isDue(_ now: Date, _ state: State) -> Bool {
        guard let at = state.checkedAt else { return true }
        // A clock set back counts as time passed.
        return now.timeIntervalSince(at) >= Self.checkSeconds || now < at || state.unchecked.count >= Self.checkLines
    }

    /// Compares the path of the open file with the open descriptor; when they differ, opens the path again and writes
    /// the unchecked lines there.
    private func check(_ now: Date, state: inout State) throws(FileSystemError) {
        guard let day = state.day, state.file != nil else { return }
        state.checkedAt = now
        let here = try? fileSystem.info(path(day: day))
        if let here, here.type == .regular, state.identity.map({ $0 == (here.device, here.inode) }) ?? true {
            state.unchecked.removeAll()
            return
        }
        // Gone or replaced: the lines since the last check may have gone with it.
        let lines = state.unchecked
        closeFile(&state)
        let file = try open(day, now: now, state: &state, keep: true)
        guard !lines.isEmpty else { return }
        do throws(FileSystemError) {
            try append(lines.flatMap { $0 }, to: file, day: day, state: &state)
        } catch {
            closeFile(&state)
            throw error
        }
        state.unchecked = lines
    }

    private func closeFile(_ state: inout State) {
        state.file?.close()
        state.file = nil
        state.identity = nil
        state.checkedAt = nil
        state.unchecked.removeAll()
    }

    /// Opens `day`'s file for appending (making the folder again when it is gone), noting whether it ends in a cut line;
    /// with `keep`, as the open file.
    private func open(_ day: String, now: Date, state: inout State, keep: Bool) throws(FileSystemError) -> any AppendableFile {
        let path = path(day: day)
        let file: any AppendableFile
        do {
            file = try fileSystem.openForAppending(path)
        } catch let error where error.isNotFound {
            // `rm -rf outbox/index` while the runner runs: the folder is made again (without the marker).
            try fileSystem.makeDirectory(layout.index)
            file = try fileSystem.openForAppending(path)
        }
        if endsTorn(path) { state.torn.insert(day) } else { state.torn.remove(day) }
        if keep {
            state.file = file
            state.identity = file.info().map { ($0.device, $0.inode) }
            state.checkedAt = now
            state.unchecked.removeAll()
        }
        return file
    }

    private func append(_ line: [UInt8], to file: any AppendableFile, day: String, state: inout State) throws(FileSystemError) {
        var bytes = line
        // A newline first ends the cut line, so this one is not glued to it (readers skip the fragment).
        let torn = state.torn.contains(day)
        if torn { bytes.insert(0x0A, at: 0) }
        do throws(FileSystemError) {
            try file.append(bytes)
        } catch {
            state.torn.insert(day)
            throw error
        }
        if torn { state.torn.remove(day) }
    }

    /// True when the file at `path` is not empty and its last byte is not a newline.
    private func endsTorn(_ path: String) -> Bool {
        guard let info = try? fileSystem.info(path), info.size > 0,
            let last = try? fileSystem.readRange(path, offset: Int64(info.size) - 1, count: 1)
        else { return false }
        return last != [0x0A]
    }
}
