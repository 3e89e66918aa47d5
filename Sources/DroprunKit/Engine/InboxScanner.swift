import Foundation

/// A file in the inbox that may be taken.
public struct InboxCandidate: Sendable, Equatable {
    /// The file's name.
    public var name: String
    /// What `lstat` saw.
    public var info: FileInfo
}

/// Lists the inbox: which names are requests, in which order, and which have settled.
public struct InboxScanner: Sendable {
    /// The file system.
    public var fileSystem: any FileSystem
    /// The inbox folder.
    public var inbox: String

    /// True for names droprun takes: `*.json`, not hidden, not `*.tmp` or `*.part`.
    public static func isRequestName(_ name: String) -> Bool {
        name.hasSuffix(".json") && !name.hasPrefix(".") && !name.hasSuffix(".tmp") && !name.hasSuffix(".part") && name.utf8.count > 5
    }

    /// Request files, oldest first (modification time, then name).
    public func candidates() throws(FileSystemError) -> [InboxCandidate] {
        var found: [InboxCandidate] = []
        for entry in try fileSystem.list(inbox) where Self.isRequestName(entry.name) {
            guard let info = try fileSystem.info(Path.join(inbox, entry.name)) else { continue }
            found.append(InboxCandidate(name: entry.name, info: info))
        }
        found.sort { a, b in
            a.info.modified != b.info.modified ? a.info.modified < b.info.modified : a.name < b.name
        }
        return found
    }

    /// True when a candidate may be taken now: it has not changed for `settleMs`.
    ///
    /// A write changes a file's modification time, so a time `settleMs` in
    /// the past means neither size nor content changed since.
    public static func isSettled(_ candidate: InboxCandidate, now: Date, settleMs: Int) -> Bool {
        settleMs <= 0 || now.timeIntervalSince(candidate.info.modified) * 1000 >= Double(settleMs)
    }
}
