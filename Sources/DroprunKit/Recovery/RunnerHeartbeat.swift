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
        path = layout.heartbeat(identity.folderName)
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
