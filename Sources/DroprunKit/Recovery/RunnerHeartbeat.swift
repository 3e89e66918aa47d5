import Foundation

/// A runner's heartbeat: `outbox/runners/<host>-<pid>.json`, whose modification time is its lease.
///
/// Written when a runner starts, renewed every `leaseSeconds / 3` while it
/// lives, removed when it stops cleanly (after its runs are checkpointed, which
/// releases them at once). Its content says who the runner is and what it has
/// done (`Progress`: when it last claimed or finished a run); its modification
/// time says when it last looked. A runner whose heartbeat is missing or older
/// than `leaseSeconds` is dead, and any other runner takes its runs over.
///
/// Renewal never creates the file: it is a `utimensat` on the existing file
/// when nothing changed, else the new content written over the old in place
/// (`FileSystem.overwriteExisting`, no `O_CREAT`, no rename). Both fail if
/// another runner removed it: a runner that was paused past its lease learns
/// at its next renewal (or its next write, which checks first) that it lost
/// its runs, writes nothing more for them, and its heartbeat does not come back.
public struct RunnerHeartbeat: Sendable {
    /// What a runner has done since it started, as its heartbeat says (read by `health`, `stats` and metrics).
    public struct Progress: Sendable, Equatable {
        /// When it last claimed or finished a run, else when it started.
        public var lastProgressAt: Date
        /// Runs it admitted.
        public var claimed: Int
        /// Runs it finished.
        public var finished: Int
        /// When it last admitted a run, if it has.
        public var lastClaimedAt: Date?
        /// When it last finished a run, if it has.
        public var lastFinishedAt: Date?

        public init(lastProgressAt: Date, claimed: Int = 0, finished: Int = 0, lastClaimedAt: Date? = nil, lastFinishedAt: Date? = nil) {
            self.lastProgressAt = lastProgressAt
            self.claimed = claimed
            self.finished = finished
            self.lastClaimedAt = lastClaimedAt
            self.lastFinishedAt = lastFinishedAt
        }

        /// What `activity` counted so far.
        public init(_ activity: RunnerActivity.Snapshot) {
            self.init(
                lastProgressAt: activity.lastProgressAt, claimed: activity.claimed, finished: activity.finished.values.reduce(0, +),
                lastClaimedAt: activity.lastClaimedAt, lastFinishedAt: activity.lastFinishedAt)
        }

        /// Reads it back from a heartbeat's JSON; nil when the heartbeat does not say (an older runner, or a torn read).
        public init?(json: JSONValue) {
            guard let at = json["lastProgressAt"]?.stringValue.flatMap(Timestamp.parse), let claimed = json["claimed"]?.intValue,
                let finished = json["finished"]?.intValue
            else { return nil }
            self.init(
                lastProgressAt: at, claimed: claimed, finished: finished, lastClaimedAt: json["lastClaimedAt"]?.stringValue.flatMap(Timestamp.parse),
                lastFinishedAt: json["lastFinishedAt"]?.stringValue.flatMap(Timestamp.parse))
        }
    }

    /// Everything a heartbeat file holds besides its modification time.
    public struct Content: Sendable, Equatable {
        /// `watch` or `once`.
        public var mode: String
        /// When the runner started.
        public var startedAt: Date
        /// Runs it keeps going at once.
        public var concurrency: Int
        /// What it has done.
        public var progress: Progress

        public init(mode: String, startedAt: Date, concurrency: Int, progress: Progress? = nil) {
            self.mode = mode
            self.startedAt = startedAt
            self.concurrency = concurrency
            self.progress = progress ?? Progress(lastProgressAt: startedAt)
        }
    }

    /// What a renewal did.
    public enum Renewal: Sendable, Equatable {
        /// The file's time was set to now; its content stays.
        case touched
        /// The new content was written over the old, in place (which sets the time too).
        case rewritten
        /// The file is gone: another runner declared this one dead.
        case lost
    }

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
        try start(Content(mode: mode, startedAt: startedAt, concurrency: concurrency))
    }

    /// Writes the heartbeat with `content`; a runner's first act (the only write that may create the file).
    public func start(_ content: Content) throws(FileSystemError) {
        try fileSystem.makeDirectory(Path.parent(path))
        try fileSystem.writeAtomically(path, bytes(content), sync: false)
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

    /// Renews the lease and says `content`, written in place over the file (never creating it).
    ///
    /// When the write fails for another reason than the file being gone (a
    /// full disk), the file is touched instead: the lease matters more than
    /// the news, and a caller that sees `.touched` tries the content again at
    /// its next renewal.
    public func renew(saying content: Content) -> Renewal {
        do {
            try fileSystem.overwriteExisting(path, bytes(content))
            return .rewritten
        } catch let error where error.isNotFound {
            return .lost
        } catch {
            return renew() ? .touched : .lost
        }
    }

    /// Renews the lease the way the runner's keeper does: writes `progress` in place when it differs from what the
    /// file says (`written`), else only touches the file. Returns what the file says afterwards.
    public func renew(after written: Content, progress: Progress) -> (renewal: Renewal, says: Content) {
        guard progress != written.progress else { return (renew() ? .touched : .lost, written) }
        var next = written
        next.progress = progress
        let renewal = renew(saying: next)
        return (renewal, renewal == .rewritten ? next : written)
    }

    /// True while this runner still holds its lease (its heartbeat exists).
    public var isHeld: Bool { fileSystem.exists(path) }

    /// Removes the heartbeat, releasing every run this runner did not finish.
    public func stop() {
        try? fileSystem.remove(path)
    }

    /// The file's bytes for `content`.
    func bytes(_ content: Content) -> [UInt8] {
        let progress = content.progress
        var members: [String: JSONValue] = [
            "runner": .string(identity.actor), "host": .string(identity.host), "pid": .int(Int(identity.pid)), "mode": .string(content.mode),
            "startedAt": .string(Timestamp.format(content.startedAt)), "concurrency": .int(content.concurrency),
            "lastProgressAt": .string(Timestamp.format(progress.lastProgressAt)), "claimed": .int(progress.claimed),
            "finished": .int(progress.finished),
            "note": "the modification time of this file is when this runner last looked; older than leaseSeconds means dead",
        ]
        if let at = progress.lastClaimedAt { members["lastClaimedAt"] = .string(Timestamp.format(at)) }
        if let at = progress.lastFinishedAt { members["lastFinishedAt"] = .string(Timestamp.format(at)) }
        return JSONWriter.prettyBytes(.object(members))
    }
}
