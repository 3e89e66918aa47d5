import Foundation

/// What a root holds right now, read in one look: inbox depth and age, live runs, waiting approvals, runners.
///
/// The one reader of "the present" for `health`, `stats`, the metrics file
/// and `report` (the past is the history index's). It lists `inbox/`,
/// `outbox/claimed/*/`, `outbox/running/` and `outbox/runners/` and reads the live records and
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
        /// What it did since it started (counts and times), as the heartbeat says; nil when it does not say, or
        /// could not be read whole (a read in the moment the runner rewrote it): then no progress is known.
        public var progress: RunnerHeartbeat.Progress?
        /// Live records (queued or running) that name it: the runs in its hands now.
        public var runs = 0
        /// The host it runs on, as the heartbeat says.
        public var host: String?

        /// The host part of a heartbeat's name (`host-pid`, or `host-pid-instance`), for a heartbeat that does not say.
        static func host(ofFolderName name: String) -> String {
            var parts = name.split(separator: "-", omittingEmptySubsequences: false)
            // The pid is the last all-digit part with something before it (an instance may follow it).
            while parts.count > 1, let last = parts.last, !(last.allSatisfy(\.isNumber) && !last.isEmpty) { parts.removeLast() }
            if parts.count > 1 { parts.removeLast() }
            return parts.joined(separator: "-")
        }
    }

    /// A run waiting at an approval step.
    public struct Waiting: Sendable, Equatable {
        public var runId: String
        public var workflow: String
        public var approval: PendingApproval
    }

    /// A live record (`outbox/running/<runId>.json`) that could be read: who holds its run, and what it was admitted with.
    public struct LiveRun: Sendable {
        public var runId: String
        /// Queued, running or waiting (a finished status while its runner removes the record).
        public var status: RunStatus
        /// The folder name of the runner the record names; nil when released (nobody holds it).
        public var holder: String?
        /// When the record was last written (its modification time).
        public var updatedAt: Date
        /// The sha256 of the request the run was admitted with (`outbox/requests/<runId>.json`).
        public var requestSHA256: String
        /// The named workflow's file it was admitted from, when named (its definition is kept beside the request).
        public var workflowFile: String?
        /// The sha256 of that definition as kept, when named.
        public var workflowSHA256: String?
        /// The status, owner and approval, as recovery reads them (`TakeoverPolicy`).
        var held: HeldRecord
    }

    /// When the look was taken.
    public var takenAt: Date
    /// Request files waiting in `inbox/` (control messages included: they are work too).
    public var inboxDepth = 0
    /// The modification time of the oldest of them.
    public var oldestDropAt: Date?
    /// That oldest drop, relative to the root (`inbox/<name>`).
    public var oldestDropFile: String?
    /// Drops a runner claimed and has not admitted yet: request files in `outbox/claimed/<runner>/` (a claim keeps
    /// its drop's modification time; records being taken over, `<runId>.running.json~takeover`, are not drops).
    public var claimedDepth = 0
    /// The modification time of the oldest of them.
    public var oldestClaimedAt: Date?
    /// That oldest claim, relative to the root (`outbox/claimed/<runner>/<name>`).
    public var oldestClaimedFile: String?
    /// Drops waiting to start: in `inbox/` or claimed and not admitted yet.
    public var waitingDepth: Int { inboxDepth + claimedDepth }
    /// The modification time of the oldest drop waiting to start, in `inbox/` or claimed.
    public var oldestWaitingAt: Date? { oldestWaiting?.at }
    /// That oldest waiting drop, relative to the root.
    public var oldestWaitingFile: String? { oldestWaiting?.file }
    /// Live records whose status is `running` or `queued`.
    public var running = 0
    /// Live records waiting for an approval, oldest request first.
    public var waiting: [Waiting] = []
    /// Every heartbeat under `outbox/runners/`.
    public var runners: [Runner] = []
    /// Live records (and heartbeats) that could not be read.
    public var unreadable: [UnreadableRecord] = []
    /// Every live record that could be read, by run id.
    public var live: [LiveRun] = []

    public init(takenAt: Date) { self.takenAt = takenAt }

    /// Reads the root as it is now; `liveness` judges runners' leases.
    public static func read(layout: RootLayout, fileSystem: any FileSystem, liveness: Liveness, now: Date) -> RootSnapshot {
        var snapshot = RootSnapshot(takenAt: now)
        if let drops = try? InboxScanner(fileSystem: fileSystem, inbox: layout.inbox).candidates() {
            snapshot.inboxDepth = drops.count
            if let oldest = drops.first(where: { $0.rawName == nil }) {
                snapshot.oldestDropAt = oldest.info.modified
                snapshot.oldestDropFile = layout.relative(Path.join(layout.inbox, oldest.name))
            }
        }
        snapshot.readClaims(layout: layout, fileSystem: fileSystem)
        var holding: [String: Int] = [:]
        for entry in (try? fileSystem.list(layout.running)) ?? [] where entry.name.hasSuffix(".json") && !entry.name.hasPrefix(".") {
            let path = Path.join(layout.running, entry.name)
            do throws(UnreadableRecord) {
                let info = try? fileSystem.info(path)
                let json = try RecordReader.json(at: path, fileSystem: fileSystem)
                let record = try RecordReader.record(validating: json, path: path)
                let held = HeldRecord.slim(json)
                switch record.status {
                case .waitingApproval:
                    if let approval = record.approval {
                        snapshot.waiting.append(Waiting(runId: record.runId, workflow: record.workflowName, approval: approval))
                    }
                case .running, .queued:
                    snapshot.running += 1
                    if let owner = held?.owner { holding[owner, default: 0] += 1 }
                default: break
                }
                if let held {
                    snapshot.live.append(
                        LiveRun(
                            runId: record.runId, status: record.status, holder: held.owner, updatedAt: info?.modified ?? now,
                            requestSHA256: record.requestSHA256, workflowFile: record.workflowFile, workflowSHA256: record.workflowSHA256,
                            held: held))
                }
            } catch {
                // A record removed between the listing and the read finished meanwhile: nothing to say.
                if !error.isNotFound { snapshot.unreadable.append(error) }
            }
        }
        snapshot.waiting.sort { $0.approval.requestedAt < $1.approval.requestedAt }
        snapshot.live.sort { $0.runId < $1.runId }
        for entry in (try? fileSystem.list(layout.runners)) ?? [] where entry.name.hasSuffix(".json") && !entry.name.hasPrefix(".") {
            let path = Path.join(layout.runners, entry.name)
            guard let info = try? fileSystem.info(path) else { continue }
            let folderName = String(entry.name.dropLast(5))
            let json = heartbeat(at: path, fileSystem: fileSystem)
            snapshot.runners.append(
                Runner(
                    folderName: folderName, renewedAt: info.modified, isLive: !liveness.isDead(folderName), mode: json?["mode"]?.stringValue,
                    startedAt: json?["startedAt"]?.stringValue.flatMap(Timestamp.parse),
                    lastProgressAt: json?["lastProgressAt"]?.stringValue.flatMap(Timestamp.parse),
                    progress: json.flatMap(RunnerHeartbeat.Progress.init(json:)), runs: holding[folderName] ?? 0,
                    host: json?["host"]?.stringValue))
        }
        snapshot.runners.sort { $0.folderName < $1.folderName }
        return snapshot
    }

    /// The oldest drop waiting to start and its file: the inbox's oldest or the claim folders' oldest.
    private var oldestWaiting: (at: Date, file: String)? {
        let drop = oldestDropAt.map { (at: $0, file: oldestDropFile ?? "inbox/") }
        let claim = oldestClaimedAt.map { (at: $0, file: oldestClaimedFile ?? "outbox/claimed/") }
        guard let drop, let claim else { return drop ?? claim }
        return claim.at < drop.at ? claim : drop
    }

    /// Counts the drops in every runner's claim folder (`claimedDepth`) and finds the oldest.
    private mutating func readClaims(layout: RootLayout, fileSystem: any FileSystem) {
        for runner in (try? fileSystem.list(layout.claimed)) ?? [] where !runner.name.hasPrefix(".") {
            let folder = Path.join(layout.claimed, runner.name)
            for entry in (try? fileSystem.list(folder)) ?? [] where Self.isClaimedDrop(entry.name) {
                claimedDepth += 1
                guard entry.rawName == nil, let info = (try? fileSystem.info(Path.join(folder, entry.name))) ?? nil else { continue }
                if oldestClaimedAt.map({ info.modified < $0 }) ?? true {
                    oldestClaimedAt = info.modified
                    oldestClaimedFile = layout.relative(Path.join(folder, entry.name))
                }
            }
        }
    }

    /// True for a name in a claim folder that is a claimed drop (`x.json`, `x.json~2`), not a record being taken over.
    static func isClaimedDrop(_ name: String) -> Bool {
        !name.hasPrefix(".") && !RootLayout.isTakeoverName(name) && InboxScanner.isRequestName(RootLayout.claimedFileName(name))
    }

    /// A heartbeat's JSON; nil when it cannot be read or parsed.
    ///
    /// A runner rewrites its heartbeat in place (it must never be recreated
    /// once removed), so a read may meet it half rewritten, which does not
    /// parse: it is read once more, and if it still does not parse the
    /// heartbeat says nothing (its modification time still tells the lease).
    static func heartbeat(at path: String, fileSystem: any FileSystem) -> JSONValue? {
        for _ in 0..<2 {
            guard let bytes = try? fileSystem.readFile(path, maxBytes: 1 << 16) else { return nil }
            if let json = try? JSONParser.parse(bytes), json.objectValue != nil { return json }
        }
        return nil
    }
}

extension HeldRecord {
    /// The record read for who holds it, keeping only what that needs (a snapshot of many records stays small).
    static func slim(_ json: JSONValue) -> HeldRecord? {
        var kept: [String: JSONValue] = [:]
        for key in ["status", "runner", "runnerId", "approval"] { kept[key] = json[key] }
        return HeldRecord(json: .object(kept))
    }
}
