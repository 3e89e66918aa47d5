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
/// Nothing here flushes: in strict durability a line becomes durable with
/// the runner's next group commit (a `syncfs` of the root's file system), as
/// the run's final audit event does. See `docs/history.md`.
public final class IndexWriter: Sendable {
    private struct State {
        /// The newest day written, and its open file.
        var day: String?
        var file: (any AppendableFile)?
        /// Days whose file ends in a line cut short (a failed append, a crash): their next line starts on a line of its own.
        var torn: Set<String> = []
    }

    private let layout: RootLayout
    private let writer: String
    private let fileSystem: any FileSystem
    private let state = Mutex(State())

    /// A writer named `writer` (a runner's folder name); its files are created at their first line.
    public init(layout: RootLayout, writer: String, fileSystem: any FileSystem) {
        self.layout = layout
        self.writer = writer
        self.fileSystem = fileSystem
    }

    /// The path of this writer's file for `day`.
    public func path(day: String) -> String { layout.indexFile(day: day, writer: writer) }

    /// Appends the line of one finished run to the file of its `finishedAt`'s day.
    public func append(_ entry: IndexEntry) throws(FileSystemError) {
        let day = IndexFiles.day(of: entry.finishedAt)
        let line = IndexLine.bytes(entry)
        try state.withLock { (state: inout State) throws(FileSystemError) in
            if let current = state.day, day < current {
                // An older day: its file is opened for this line only, and the newest day's stays open.
                let file = try open(day, state: &state)
                defer { file.close() }
                try append(line, to: file, day: day, state: &state)
                return
            }
            if state.day != day {
                state.file?.close()
                state.file = nil
                state.day = day
            }
            let file: any AppendableFile
            if let open = state.file {
                file = open
            } else {
                file = try open(day, state: &state)
                state.file = file
            }
            do throws(FileSystemError) {
                try append(line, to: file, day: day, state: &state)
            } catch {
                // Opened again at the next line (the file may have been removed or replaced meanwhile).
                file.close()
                state.file = nil
                throw error
            }
        }
    }

    /// Closes the open file.
    public func close() {
        state.withLock { state in
            state.file?.close()
            state.file = nil
            state.day = nil
        }
    }

    /// Opens `day`'s file for appending, noting whether it ends in a cut line.
    private func open(_ day: String, state: inout State) throws(FileSystemError) -> any AppendableFile {
        let path = path(day: day)
        let file = try fileSystem.openForAppending(path)
        if endsTorn(path) { state.torn.insert(day) }
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
