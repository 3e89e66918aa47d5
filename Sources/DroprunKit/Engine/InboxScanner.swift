import Foundation

/// A file in the inbox that may be taken.
public struct InboxCandidate: Sendable, Equatable {
    /// The file's name.
    public var name: String
    /// What `lstat` saw.
    public var info: FileInfo
    /// The name's bytes when they are not UTF-8 (`name` is then an escaped form).
    public var rawName: [UInt8]?
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
            if let raw = entry.rawName {
                // Not addressable by a String path: taken at once, and rejected for its name.
                found.append(InboxCandidate(name: entry.name, info: FileInfo(type: entry.type ?? .unknown, size: 0, modified: .distantPast), rawName: raw))
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

    /// True when a candidate may be taken now: it has not changed for `settleMs`.
    ///
    /// A write changes a file's modification time, so a time `settleMs` in
    /// the past means neither size nor content changed since.
    public static func isSettled(_ candidate: InboxCandidate, now: Date, settleMs: Int) -> Bool {
        settleMs <= 0 || now.timeIntervalSince(candidate.info.modified) * 1000 >= Double(settleMs)
    }
}

/// Decides when a file has settled: its size and modification time unchanged for `settleMs`.
///
/// Watched from this runner's own observations (when it first saw the
/// current size and time), so a file stamped in the future by a writer whose
/// clock is ahead is not held back. A modification time already `settleMs`
/// in the past also counts as settled (the file was written before this runner looked).
struct SettleTracker {
    let settleMs: Int
    private var seen: [String: (size: Int64, modified: Date, since: Date)] = [:]

    init(settleMs: Int) { self.settleMs = settleMs }

    /// Records what the latest listing showed.
    mutating func observe(_ candidates: [InboxCandidate], now: Date) {
        guard settleMs > 0 else { return }
        var next: [String: (size: Int64, modified: Date, since: Date)] = [:]
        for c in candidates {
            if let old = seen[c.name], old.size == c.info.size, old.modified == c.info.modified {
                next[c.name] = old
            } else {
                next[c.name] = (c.info.size, c.info.modified, now)
            }
        }
        seen = next
    }

    /// True when the file may be taken now.
    func isSettled(_ candidate: InboxCandidate, now: Date) -> Bool {
        guard settleMs > 0 else { return true }
        if InboxScanner.isSettled(candidate, now: now, settleMs: settleMs) { return true }
        guard let entry = seen[candidate.name] else { return false }
        return now.timeIntervalSince(entry.since) * 1000 >= Double(settleMs)
    }

    /// Milliseconds until the next unsettled file settles; nil when there is none.
    func nextSettleMs(_ candidates: [InboxCandidate], now: Date) -> Int? {
        let waits = candidates.compactMap { c -> Int? in
            guard !isSettled(c, now: now) else { return nil }
            let since = seen[c.name]?.since ?? now
            var wait = settleMs - now.milliseconds(since: since)
            if c.info.modified <= now { wait = min(wait, settleMs - now.milliseconds(since: c.info.modified)) }
            return max(1, wait)
        }
        return waits.min()
    }
}
