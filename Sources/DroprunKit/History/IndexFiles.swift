import Foundation

/// The history index's files: `outbox/index/<yyyy-mm-dd>~<writer>.jsonl`, one per UTC day of `finishedAt` and writer.
///
/// A writer is a runner (its folder name, `host-pid-instance`) or a rebuild
/// (`reindex-<time>`): like the audit chains, no two processes append to one
/// file, so no lock is needed on one machine or over NFS. A day's runs are in
/// every file of that day; a run may be in two (see `IndexEntry`).
public enum IndexFiles {
    /// One index file.
    public struct File: Sendable, Equatable {
        /// `yyyy-mm-dd`, the UTC day of the `finishedAt` of every line in it.
        public var day: String
        /// The writer's name.
        public var writer: String
        /// Its path.
        public var path: String
    }

    /// The UTC day of a time: `2026-12-01`.
    public static func day(of date: Date) -> String { String(Timestamp.format(date).prefix(10)) }

    /// The UTC midnight that starts `day` (`2026-12-01`); nil for anything else.
    public static func start(ofDay day: String) -> Date? {
        guard day.utf8.count == 10 else { return nil }
        return Timestamp.parse(day + "T00:00:00.000Z")
    }

    /// The file's name for a day and writer.
    public static func name(day: String, writer: String) -> String { "\(day)~\(writer).jsonl" }

    /// Reads a name back; nil for a name that is not an index file's (hidden, temporary, other).
    public static func parse(name: String) -> (day: String, writer: String)? {
        guard name.hasSuffix(".jsonl"), !name.hasPrefix("."), let tilde = name.firstIndex(of: "~") else { return nil }
        let day = String(name[..<tilde])
        let writer = String(name[name.index(after: tilde)..<name.index(name.endIndex, offsetBy: -6)])
        guard start(ofDay: day) != nil, !writer.isEmpty else { return nil }
        return (day, writer)
    }

    /// Every index file, oldest day first (then by writer); empty when there is no index folder.
    public static func list(layout: RootLayout, fileSystem: any FileSystem) throws(FileSystemError) -> [File] {
        let entries: [DirectoryEntry]
        do {
            entries = try fileSystem.list(layout.index)
        } catch let error where error.isNotFound {
            return []
        }
        return entries.compactMap { entry in
            parse(name: entry.name).map { File(day: $0.day, writer: $0.writer, path: Path.join(layout.index, entry.name)) }
        }
        .sorted { ($0.day, $0.writer) < ($1.day, $1.writer) }
    }
}
