import Foundation

/// A runner's heartbeat: `outbox/runners/<host>-<pid>.json`, whose modification time is its lease.
///
/// Written when a runner starts, touched every `leaseSeconds / 3` while it
/// lives, removed when it stops cleanly (after its runs are checkpointed, which
/// releases them at once). Its content says who the runner is; its modification
/// time says when it last looked. A runner whose heartbeat is missing or older
/// than `leaseSeconds` is dead, and any other runner takes its runs over.
///
/// Renewal is a `utimensat` on the existing file, which fails if another
/// runner removed it: a runner that was paused past its lease learns at its next
/// renewal (or its next write, which checks first) that it lost its runs, and
/// writes nothing more for them.
public struct RunnerHeartbeat: Sendable {
    /// This runner.
    public let identity: RunnerIdentity
    /// The heartbeat file.
    public let path: String
    let fileSystem: any FileSystem

    public init(layout: RootLayout, identity: RunnerIdentity, fileSystem: any FileSystem) {
        self.identity = identity
        self.fileSystem = fileSystem
        path = Path.join(layout.runners, identity.folderName + ".json")
    }

    /// Writes the heartbeat; a runner's first act.
    public func start(mode: String, startedAt: Date, concurrency: Int) throws(FileSystemError) {
        let content: JSONValue = [
            "runner": .string(identity.actor), "host": .string(identity.host), "pid": .int(Int(identity.pid)), "mode": .string(mode),
            "startedAt": .string(Timestamp.format(startedAt)), "concurrency": .int(concurrency),
            "note": "the modification time of this file is when this runner last looked; older than leaseSeconds means dead",
        ]
        try fileSystem.makeDirectory(Path.parent(path))
        try fileSystem.writeAtomically(path, JSONWriter.prettyBytes(content), sync: false)
    }

    /// Renews the lease; false when another runner has declared this one dead.
    public func renew() -> Bool {
        do {
            try fileSystem.touch(path)
            return true
        } catch {
            return !error.isNotFound
        }
    }

    /// True while this runner still holds its lease (its heartbeat exists).
    public var isHeld: Bool { fileSystem.exists(path) }

    /// Removes the heartbeat, releasing every run this runner did not finish.
    public func stop() {
        try? fileSystem.remove(path)
    }
}

/// Decides whether the runner that owns a claim folder or a record is gone.
public struct Liveness: Sendable {
    let layout: RootLayout
    let fileSystem: any FileSystem
    let identity: RunnerIdentity
    let leaseSeconds: Int
    let clock: any RunnerClock
    let isProcessAlive: @Sendable (Int32) -> Bool

    /// True when the runner named `folderName` (`host-pid`) holds no live lease.
    ///
    /// Dead means: no heartbeat; or a heartbeat older than `leaseSeconds`; or,
    /// for a runner on this host, a process id that no longer exists (so a
    /// restart after `kill -9` resumes at once instead of after the lease).
    public func isDead(_ folderName: String) -> Bool {
        if folderName == identity.folderName { return false }
        let heartbeat = Path.join(layout.runners, folderName + ".json")
        guard let info = try? fileSystem.info(heartbeat) else { return true }
        if clock.now().timeIntervalSince(info.modified) > Double(leaseSeconds) { return true }
        if let (host, pid) = Self.split(folderName), host == identity.safeHost, !isProcessAlive(pid) || pid == identity.pid {
            return true
        }
        return false
    }

    /// Removes a dead runner's heartbeat, so that runner, if it wakes, knows it lost its runs.
    public func bury(_ folderName: String) {
        try? fileSystem.remove(Path.join(layout.runners, folderName + ".json"))
    }

    /// Host and process id from `host-pid` or `host-pid-iXXXX`.
    static func split(_ folderName: String) -> (host: String, pid: Int32)? {
        var parts = folderName.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        if let last = parts.last, last.hasPrefix("i"), Int32(last) == nil, parts.count >= 3 { parts.removeLast() }
        guard parts.count >= 2, let pid = Int32(parts[parts.count - 1]) else { return nil }
        return (parts.dropLast().joined(separator: "-"), pid)
    }
}
