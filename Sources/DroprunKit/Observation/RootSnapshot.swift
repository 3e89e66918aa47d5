import Foundation

/// What a root holds right now, read in one look: inbox depth and age, live runs, waiting approvals, runners.
///
/// The one reader of "the present" for `health`, `stats`, the metrics file
/// and `report` (the past is the history index's). It lists `inbox/`,
/// `outbox/running/` and `outbox/runners/` and reads the live records and
/// heartbeats; it never reads results. What it cannot read it lists in
/// `unreadable` and goes on.
public struct RootSnapshot: Sendable {
    /// A runner with a heartbeat file.
    public struct Runner: Sendable, Equatable {
        /// `host-pid` (the heartbeat's name without `.json`).
        public var folderName: String
        /// When the heartbeat was last renewed (its modification time).
        public var renewedAt: Date
        /// False when its lease ran out (or its process is gone), by the same rule takeover uses.
        public var isLive: Bool
        /// `watch` or `once`, as the heartbeat says.
        public var mode: String?
        /// When it started, as the heartbeat says.
        public var startedAt: Date?
        /// When it last claimed or finished a run, as the heartbeat says (older heartbeats do not say).
        public var lastProgressAt: Date?
    }

    /// A run waiting at an approval step.
    public struct Waiting: Sendable, Equatable {
        public var runId: String
        public var workflow: String
        public var approval: PendingApproval
    }

    /// When the look was taken.
    public var takenAt: Date
    /// Request files waiting in `inbox/` (control messages included: they are work too).
    public var inboxDepth = 0
    /// The modification time of the oldest of them.
    public var oldestDropAt: Date?
    /// Live records whose status is `running` or `queued`.
    public var running = 0
    /// Live records waiting for an approval, oldest request first.
    public var waiting: [Waiting] = []
    /// Every heartbeat under `outbox/runners/`.
    public var runners: [Runner] = []
    /// Live records (and heartbeats) that could not be read.
    public var unreadable: [UnreadableRecord] = []

    public init(takenAt: Date) { self.takenAt = takenAt }

    /// Reads the root as it is now; `liveness` judges runners' leases.
    public static func read(layout: RootLayout, fileSystem: any FileSystem, liveness: Liveness, now: Date) -> RootSnapshot {
        var snapshot = RootSnapshot(takenAt: now)
        if let drops = try? InboxScanner(fileSystem: fileSystem, inbox: layout.inbox).candidates() {
            snapshot.inboxDepth = drops.count
            snapshot.oldestDropAt = drops.lazy.filter { $0.rawName == nil }.map(\.info.modified).min()
        }
        for entry in (try? fileSystem.list(layout.running)) ?? [] where entry.name.hasSuffix(".json") && !entry.name.hasPrefix(".") {
            let path = Path.join(layout.running, entry.name)
            do {
                let record = try RecordReader.record(at: path, fileSystem: fileSystem)
                switch record.status {
                case .waitingApproval:
                    if let approval = record.approval {
                        snapshot.waiting.append(Waiting(runId: record.runId, workflow: record.workflowName, approval: approval))
                    }
                case .running, .queued: snapshot.running += 1
                default: break
                }
            } catch {
                // A record removed between the listing and the read finished meanwhile: nothing to say.
                if !error.isNotFound { snapshot.unreadable.append(error) }
            }
        }
        snapshot.waiting.sort { $0.approval.requestedAt < $1.approval.requestedAt }
        for entry in (try? fileSystem.list(layout.runners)) ?? [] where entry.name.hasSuffix(".json") && !entry.name.hasPrefix(".") {
            let path = Path.join(layout.runners, entry.name)
            guard let info = try? fileSystem.info(path) else { continue }
            let folderName = String(entry.name.dropLast(5))
            let json = (try? fileSystem.readFile(path, maxBytes: 1 << 16)).flatMap { try? JSONParser.parse($0) }
            snapshot.runners.append(
                Runner(
                    folderName: folderName, renewedAt: info.modified, isLive: !liveness.isDead(folderName), mode: json?["mode"]?.stringValue,
                    startedAt: json?["startedAt"]?.stringValue.flatMap(Timestamp.parse),
                    lastProgressAt: json?["lastProgressAt"]?.stringValue.flatMap(Timestamp.parse)))
        }
        snapshot.runners.sort { $0.folderName < $1.folderName }
        return snapshot
    }
}
