import Foundation

/// Lists the inbox: which names are requests, and in which order (when each may be taken is `ArrivalTracker`'s to say).
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
            if let raw = entry.rawName {
                // Not addressable by a String path: taken at once, and rejected for its name.
                found.append(
                    InboxCandidate(name: entry.name, info: FileInfo(type: entry.type ?? .unknown, size: 0, modified: .distantPast), rawName: raw))
                continue
            }
            guard let info = try fileSystem.info(Path.join(inbox, entry.name)) else { continue }
            found.append(InboxCandidate(name: entry.name, info: info))
        }
        found.sort { a, b in
            a.info.modified != b.info.modified ? a.info.modified < b.info.modified : a.name < b.name
        }
        return found
    }
}
