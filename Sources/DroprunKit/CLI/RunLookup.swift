import Foundation

/// Where a run is, found by id or by the name of the file that was dropped, with a few `stat`s
/// (never a scan of all results).
///
/// The order is the run's life backwards: a result, a live record, an accepted
/// request, the inbox; then a rejection. A rejection is found by the name it
/// was filed under (`outbox/rejected/<id>.json`, then `<id>~2.json`, ...: a
/// `stat` each); only when nothing else is found is `outbox/rejected/` listed
/// and each rejected file that could name the id read (see `RejectedDrop`).
enum RunLookup {
    /// A run as the reading commands see it.
    enum Found {
        /// A record in `outbox/results/` or `outbox/running/`.
        case record(RunRecord, path: String)
        /// Accepted (`outbox/requests/`) but no record yet, or still in the inbox.
        case queued(runId: String, path: String)
        /// The drop never became a run: the newest rejection filed under the name or carrying the id.
        case rejected(RejectedDrop)
        /// A finished run `gc` is removing (its folder in `outbox/purging/`).
        case purging(runId: String, folder: String, finishedAt: Date?)
        /// A finished run `gc` removed: its line in `outbox/purged/purged.jsonl`.
        case purged(PurgeRecord)
    }

    /// What the user typed: a run id, or the name of a dropped file (`T-0003.json`).
    struct Target {
        /// Run ids to look for, in order (the word itself, then the file name without `.json`).
        var runIds: [String]
        /// File names a rejection of this drop may be filed under (without `~N`).
        var fileNames: [String]
        /// The word as typed.
        var text: String

        init(_ text: String) throws(CLIError) {
            self.text = text
            runIds = []
            fileNames = []
            if RunID.isValid(text) {
                runIds.append(text)
                fileNames.append(text + ".json")
            }
            if text.hasSuffix(".json"), !text.contains("/"), !text.hasPrefix("."), !text.utf8.contains(0) {
                let stem = String(text.dropLast(5))
                if RunID.isValid(stem), !runIds.contains(stem) { runIds.append(stem) }
                if !fileNames.contains(text) { fileNames.insert(text, at: 0) }
            }
            guard !fileNames.isEmpty else {
                throw .usage("'\(text)' is not a run id: \(RunID.problem(text) ?? ""); give a run id, or the name of the file that was dropped")
            }
        }
    }

    static func find(_ typed: String, in context: CommandContext) throws(CLIError) -> Found {
        // A path to a record or a drop (`outbox/results/hello.json`, tab-completed) stands for its base name.
        let isPath = typed.contains("/") && typed.hasSuffix(".json") && !typed.split(separator: "/").contains("..")
        let text = isPath ? Path.name(typed) : typed
        let target = try Target(text)
        let layout = context.layout
        let fs = context.fs
        let locator = RunLocator(layout: layout, fileSystem: fs)
        for runId in target.runIds {
            // Shallow: a few `stat`s; a run being taken over or checkpointed is found by its kept request.
            switch locator.locate(runId, deep: false) {
            case .result(let record, let path), .live(let record, let path, _):
                return .record(record, path: path)
            case .unreadable(let path, let reason):
                throw .unreadableRecord(path: layout.relative(path), runId: runId, reason: reason)
            case .accepted(let path):
                // Also a run being taken over or checkpointed: the kept request is the run's until its record is back in outbox/running/.
                return .queued(runId: runId, path: path)
            case .beingTakenOver, .checkpointed:
                // Only a deep look finds these.
                return .queued(runId: runId, path: layout.request(runId))
            case .inbox(let path):
                // A drop whose request names its own `id` becomes that run, not one named after the file.
                return .queued(runId: idOfDrop(at: path, fs: fs) ?? runId, path: path)
            case .purging(let runId, let folder, let finishedAt):
                return .purging(runId: runId, folder: folder, finishedAt: finishedAt)
            case .purged(let record):
                return .purged(record)
            case .claimed, .rejected, .unknown:
                continue
            }
        }
        if case .rejected(let rejection)? = locator.rejection(fileNames: target.fileNames, runIds: target.runIds) {
            return .rejected(rejection)
        }
        var places = ["outbox/results", "outbox/running", "outbox/requests"]
        // For a file name (`T-0003.json`), the inbox file is that name, not `T-0003.json.json`.
        places += target.runIds.filter { target.runIds.count == 1 || !$0.hasSuffix(".json") }.map { "inbox/\($0).json" }
        places.append("outbox/rejected")
        var message = "no run '\(text)' (looked in \(places.joined(separator: ", ")))"
        if let near = nearestRunId(to: target.runIds.last ?? text, layout: layout, fs: fs) { message += "; did you mean '\(near)'?" }
        throw .notFound(message)
    }

    /// The run id a drop in the inbox asks for (its request's `id`), when it is a readable request that names a valid one.
    ///
    /// Read only for the drop the user named, so a cancel of `inbox/x.json` whose
    /// request says `"id": "y"` is filed for run `y`, the run it becomes.
    static func idOfDrop(at path: String, fs: any FileSystem) -> String? {
        guard let bytes = try? fs.readFile(path, maxBytes: 1 << 20), let json = try? JSONParser.parse(bytes),
            let id = json["id"]?.stringValue, RunID.isValid(id)
        else { return nil }
        return id
    }

    /// How many names of each folder a "did you mean" looks at, so a mistyped id in a huge root stays cheap.
    static let suggestionLimit = 20_000

    /// The run id closest to `word` among `outbox/results/` and `outbox/running/` (one listing each, names only).
    static func nearestRunId(to word: String, layout: RootLayout, fs: any FileSystem) -> String? {
        let limit = Suggestion.defaultMaxDistance(forLength: word.count)
        var ids: [String] = []
        for folder in [layout.running, layout.results] {
            for entry in ((try? fs.list(folder)) ?? []).prefix(suggestionLimit) where entry.name.hasSuffix(".json") && !entry.name.hasPrefix(".") {
                let id = String(entry.name.dropLast(5))
                // Only names whose length could be close enough are compared.
                if abs(id.count - word.count) <= limit { ids.append(id) }
            }
        }
        return Suggestion.nearest(to: word, among: ids.sorted())
    }

}
