import Foundation

/// The folders of a droprun root, as the contract names them.
public struct RootLayout: Sendable {
    /// The root folder.
    public let root: String

    public init(root: String) { self.root = root }

    /// `inbox/`: the drop zone.
    public var inbox: String { Path.join(root, "inbox") }
    /// `outbox/`.
    public var outbox: String { Path.join(root, "outbox") }
    /// `outbox/running/`: live records of unfinished runs.
    public var running: String { Path.join(root, "outbox", "running") }
    /// `outbox/results/`: final records.
    public var results: String { Path.join(root, "outbox", "results") }
    /// `outbox/requests/`: the exact bytes dropped, by run id.
    public var requests: String { Path.join(root, "outbox", "requests") }
    /// `outbox/rejected/`: files that never became runs, and why.
    public var rejected: String { Path.join(root, "outbox", "rejected") }
    /// `outbox/audit/`: the audit log.
    public var audit: String { Path.join(root, "outbox", "audit") }
    /// `outbox/claimed/`: files taken from the inbox, one folder per runner, not yet runs or rejections.
    public var claimed: String { Path.join(root, "outbox", "claimed") }
    /// `artifacts/`.
    public var artifacts: String { Path.join(root, "artifacts") }
    /// `outbox/runners/`: one heartbeat file per live runner.
    public var runners: String { Path.join(root, "outbox", "runners") }
    /// `outbox/cancels/`: a cancel request per run id, until the run ends.
    public var cancels: String { Path.join(root, "outbox", "cancels") }
    /// `outbox/cancels/<runId>.json`: the cancel marker of a run.
    public func cancelMarker(_ runId: String) -> String { Path.join(cancels, runId + ".json") }
    /// The run a name in `outbox/cancels/` is the cancel marker of; nil for any other name (hidden, temporary).
    static func cancelMarkerRunId(_ name: String) -> String? {
        name.hasSuffix(".json") && !name.hasPrefix(".") ? String(name.dropLast(5)) : nil
    }
    /// A cancel marker's content: who asked, when, and the control message it came from (`file`, when a runner wrote it).
    static func cancelMarkerContent(runId: String, by: String?, at: Date, file: String? = nil) -> JSONValue {
        var marker: [String: JSONValue] = ["runId": .string(runId), "by": by.map(JSONValue.string) ?? .null, "at": .string(Timestamp.format(at))]
        if let file { marker["file"] = .string(file) }
        return .object(marker)
    }
    /// `outbox/decisions/`: one reservation per approval wait a decision was dropped for (see `DecisionReservation`).
    public var decisions: String { Path.join(root, "outbox", "decisions") }
    /// `outbox/decisions/<runId>~<step>~<requestedAt>.json`: the reservation of one wait of a run.
    func decisionReservation(_ runId: String, step: String, requestedAt: Date) -> String {
        Path.join(decisions, "\(runId)~\(step)~\(Timestamp.compact(requestedAt)).json")
    }
    /// `<runId>.<verb>.<time>[.<pid>].json`: the inbox name `droprun approve|reject|cancel` (with its pid) and
    /// `droprun submit` of a control message (without) drop it under, so that name order is drop order.
    static func controlMessageName(runId: String, verb: ControlVerb, at: Date, pid: Int32? = nil) -> String {
        controlMessagePrefix(runId: runId, verb: verb) + Timestamp.compact(at) + (pid.map { ".\($0)" } ?? "") + ".json"
    }
    /// How the name of a control message `droprun` dropped for `runId` with `verb` begins (a pending decision is found by it).
    static func controlMessagePrefix(runId: String, verb: ControlVerb) -> String { "\(runId).\(verb.rawValue)." }
    /// `outbox/checkpoints/`: each runner's checkpoint log, one folder per runner (see `CheckpointLog`).
    public var checkpoints: String { Path.join(root, "outbox", "checkpoints") }
    /// The checkpoint log folder of the runner whose folder name is `runner`.
    public func checkpointFolder(_ runner: String) -> String { Path.join(checkpoints, runner) }
    /// `outbox/control/`: control messages (approvals, cancels) that were applied, kept as dropped.
    public var control: String { Path.join(root, "outbox", "control") }
    /// `outbox/index/`: the history index of finished runs, one JSON-lines file per UTC day and writer (see `IndexFiles`).
    public var index: String { Path.join(root, "outbox", "index") }
    /// `outbox/index/<yyyy-mm-dd>~<writer>.jsonl`.
    public func indexFile(day: String, writer: String) -> String { Path.join(index, IndexFiles.name(day: day, writer: writer)) }
    /// `outbox/index/.built`: present once the index covers every result (written by a rebuild, or a runner's start on an empty root).
    public var indexBuiltMarker: String { Path.join(index, ".built") }
    /// `outbox/purged/`: the compact record of purged run ids, which keeps them refused as duplicates.
    public var purged: String { Path.join(root, "outbox", "purged") }
    /// `outbox/purging/`: runs `gc` has begun to remove, one folder each, finished by the next `gc`.
    public var purging: String { Path.join(root, "outbox", "purging") }
    /// `outbox/purging/<runId>/`.
    public func purgingFolder(_ runId: String) -> String { Path.join(purging, runId) }
    /// `outbox/gc.lock`: held (`fcntl` lock) by the one `gc` working on the root at a time.
    public var gcLock: String { Path.join(root, "outbox", "gc.lock") }

    /// Every folder the runner writes to, created on start.
    /// The droprun root whose run data (`inbox/`, `outbox/`, `artifacts/`) holds `path`, and that folder's name; nil when none does.
    ///
    /// A root made there would have its `droprun.json` and example taken by
    /// the outer root's runner as drops, and a command run there means the
    /// outer root: both are told so instead.
    static func enclosingRoot(of path: String, fileSystem: any FileSystem) -> (root: String, folder: String)? {
        var child = path
        var parent = Path.parent(path)
        while !parent.isEmpty, parent != child {
            let folder = Path.name(child)
            if ["inbox", "outbox", "artifacts"].contains(folder), isRoot(parent, fileSystem: fileSystem) {
                return (parent, folder)
            }
            if parent == "/" { break }
            child = parent
            parent = Path.parent(parent)
        }
        return nil
    }

    /// True when `folder` looks like a droprun root: it has `droprun.json`, or both `inbox/` and `outbox/`.
    private static func isRoot(_ folder: String, fileSystem: any FileSystem) -> Bool {
        if fileSystem.exists(Path.join(folder, Configuration.fileName)) { return true }
        let layout = RootLayout(root: folder)
        return (try? fileSystem.info(layout.inbox))??.type == .directory && (try? fileSystem.info(layout.outbox))??.type == .directory
    }

    public var folders: [String] {
        [inbox, running, results, requests, rejected, audit, claimed, artifacts, runners, cancels, control, checkpoints, index, purged]
    }

    /// `outbox/running/<runId>.json`.
    public func runningRecord(_ runId: String) -> String { Path.join(running, runId + ".json") }
    /// `outbox/results/<runId>.json`.
    public func result(_ runId: String) -> String { Path.join(results, runId + ".json") }
    /// `outbox/requests/<runId>.json`.
    public func request(_ runId: String) -> String { Path.join(requests, runId + ".json") }
    /// `outbox/requests/<runId>~workflow.json`: the named workflow's definition the run was admitted with (see `AdmittedWorkflow`).
    public func keptWorkflow(_ runId: String) -> String { Path.join(requests, runId + "~workflow.json") }
    /// `artifacts/<runId>/`.
    public func artifactFolder(_ runId: String) -> String { Path.join(artifacts, runId) }
    /// The claim folder of one runner.
    public func claimFolder(_ runner: RunnerIdentity) -> String { Path.join(claimed, runner.folderName) }
    /// `inbox/<runId>.json`: where a drop of the run is found by its id.
    public func inboxFile(_ runId: String) -> String { Path.join(inbox, runId + ".json") }
    /// `outbox/runners/<folderName>.json`: the heartbeat of the runner whose folder name is `folderName`.
    public func heartbeat(_ folderName: String) -> String { Path.join(runners, folderName + ".json") }

    /// The name ending of a record being taken over, in a claim folder: `<runId>.running.json~takeover`.
    static let takeoverSuffix = ".running.json~takeover"
    /// `outbox/claimed/<runner>/<runId>.running.json~takeover`: the run's record while the runner whose folder name is `runner` takes it over.
    func takeoverRecord(_ runId: String, inClaimFolder runner: String) -> String { Path.join(claimed, runner, runId + Self.takeoverSuffix) }
    /// True when a name in a claim folder is a record being taken over, not a claim.
    static func isTakeoverName(_ name: String) -> Bool { name.hasSuffix(takeoverSuffix) }
    /// The run id of a record being taken over, from its name in a claim folder; nil for a claim.
    static func takeoverRunId(_ name: String) -> String? { isTakeoverName(name) ? String(name.dropLast(takeoverSuffix.count)) : nil }
    /// The `n`th name a file dropped as `name` is claimed under: `name`, then `name~2`, `name~3`, ...
    static func claimName(_ name: String, _ n: Int) -> String { n == 1 ? name : "\(name)~\(n)" }
    /// `x.json` from a claim name `x.json~2`: the name the file was dropped under.
    static func claimedFileName(_ name: String) -> String {
        guard let tilde = name.lastIndex(of: "~"), Int(name[name.index(after: tilde)...]) != nil else { return name }
        return String(name[..<tilde])
    }
    /// The `n`th name an applied control message dropped as `name` is kept under in `outbox/control/`:
    /// `name`, then `x~2.json` (or `name~2` without `.json`), ...
    static func keptControlName(_ name: String, _ n: Int) -> String {
        guard n > 1 else { return name }
        return name.hasSuffix(".json") ? "\(name.dropLast(5))~\(n).json" : "\(name)~\(n)"
    }

    /// Creates every missing folder.
    ///
    /// Something other than a folder at `outbox/index` is left there: the
    /// index is derived, so it never stops the work (the runner runs on with
    /// the index off, see `IndexFolder`).
    public func createFolders(_ fileSystem: any FileSystem) throws(FileSystemError) {
        for folder in folders {
            if folder == index, IndexFolder.problem(layout: self, fileSystem: fileSystem) != nil { continue }
            try fileSystem.makeDirectory(folder)
        }
    }

    /// A path relative to the root, for messages and records.
    public func relative(_ path: String) -> String {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
