import Foundation

/// `outbox/purging/<runId>/purge.json`: what `gc` is removing, written before the run's result is moved beside it.
///
/// A `gc` that finds the folder after a crash reads it to finish the purge
/// the same way (the purged-ids line, the `run.purged` event, the archive).
struct PurgeManifest: Sendable, Equatable {
    var runId: String
    var finishedAt: Date
    var sha256: String
    /// The `--archive` folder the run goes to; nil: removed.
    var archive: String?

    static let fileName = "purge.json"
    /// Made once the purged-ids line and the `run.purged` event are written.
    static let loggedName = ".logged"
    static let resultName = "result.json"
    static let requestName = "request.json"
    static let workflowName = "workflow.json"
    static let artifactsName = "artifacts"

    /// Without an archive, a run's result goes to `outbox/purging/<runId>~result.json` (no folder: creating a file or
    /// folder per run is what costs most on a disk that has just freed many), renamed `<runId>~logged.json` once its
    /// purged-ids line and `run.purged` event are written. `~` is in no run id, so the names are the run's alone.
    static let resultSuffix = "~result.json"
    static let loggedSuffix = "~logged.json"

    /// `outbox/purging/<runId>~result.json`: the committed result of a run removed without an archive.
    static func flatResult(_ runId: String, _ layout: RootLayout) -> String { Path.join(layout.purging, runId + resultSuffix) }

    /// `outbox/purging/<runId>~logged.json`: the same once logged.
    static func flatLogged(_ runId: String, _ layout: RootLayout) -> String { Path.join(layout.purging, runId + loggedSuffix) }

    /// The run id and whether it is logged, for a name in `outbox/purging/` of the flat form; nil for another name.
    static func flatName(_ name: String) -> (runId: String, logged: Bool)? {
        for (suffix, logged) in [(resultSuffix, false), (loggedSuffix, true)] where name.hasSuffix(suffix) {
            let runId = String(name.dropLast(suffix.count))
            if RunID.isValid(runId) { return (runId, logged) }
        }
        return nil
    }

    /// The manifest of a flat purging result: what the result says (not archived).
    static func read(flat path: String, runId: String, fileSystem fs: any FileSystem) -> PurgeManifest? {
        guard case .record(let record) = RunLocator.readRecord(path, fs: fs), let finishedAt = record.finishedAt else { return nil }
        return PurgeManifest(runId: runId, finishedAt: finishedAt, sha256: record.requestSHA256, archive: nil)
    }

    var json: JSONValue {
        [
            "runId": .string(runId), "finishedAt": .string(Timestamp.format(finishedAt)), "sha256": .string(sha256),
            "archive": archive.map(JSONValue.string) ?? .null,
        ]
    }

    init(runId: String, finishedAt: Date, sha256: String, archive: String?) {
        self.runId = runId
        self.finishedAt = finishedAt
        self.sha256 = sha256
        self.archive = archive
    }

    init?(json: JSONValue) {
        guard let runId = json["runId"]?.stringValue, let finishedAt = json["finishedAt"]?.stringValue.flatMap(Timestamp.parse),
            let sha256 = json["sha256"]?.stringValue
        else { return nil }
        self.init(runId: runId, finishedAt: finishedAt, sha256: sha256, archive: json["archive"]?.stringValue)
    }

    /// The manifest of a purging folder: its `purge.json`, else what its `result.json` says.
    static func read(folder: String, runId: String, fileSystem fs: any FileSystem) -> PurgeManifest? {
        if let bytes = try? fs.readFile(Path.join(folder, fileName), maxBytes: 1 << 20), let json = try? RecordReader.parse(bytes),
            let manifest = PurgeManifest(json: json)
        {
            return manifest
        }
        guard case .record(let record) = RunLocator.readRecord(Path.join(folder, resultName), fs: fs), let finishedAt = record.finishedAt else {
            return nil
        }
        return PurgeManifest(runId: runId, finishedAt: finishedAt, sha256: record.requestSHA256, archive: nil)
    }
}
