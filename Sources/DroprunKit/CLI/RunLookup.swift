/// Where a run is, found by id with a few `stat`s (never a scan of all results).
enum RunLookup {
    /// A run as the reading commands see it.
    enum Found {
        /// A record in `outbox/results/` or `outbox/running/`.
        case record(RunRecord, path: String)
        /// Accepted (`outbox/requests/`) but no record yet, or still in the inbox.
        case queued(path: String)
    }

    static func find(_ runId: String, in context: CommandContext) throws(CLIError) -> Found {
        guard RunID.isValid(runId) else { throw .usage("'\(runId)' is not a run id: \(RunID.problem(runId) ?? "")") }
        let layout = context.layout
        for path in [layout.result(runId), layout.runningRecord(runId)] {
            do throws(UnreadableRecord) {
                return .record(try RecordReader.record(at: path, fileSystem: context.fs), path: path)
            } catch where error.isNotFound {
                continue
            } catch {
                throw .failed(error.relative(to: layout).description)
            }
        }
        for path in [layout.request(runId), Path.join(layout.inbox, runId + ".json")] where context.fs.exists(path) {
            return .queued(path: path)
        }
        throw .notFound("no run '\(runId)' (looked in outbox/results, outbox/running, outbox/requests and inbox/\(runId).json)")
    }

    /// Reads a record file; nil when it is missing or unreadable (`RecordReader.record(at:fileSystem:)` says why).
    static func read(_ path: String, fs: any FileSystem) -> RunRecord? {
        try? RecordReader.record(at: path, fileSystem: fs)
    }
}
