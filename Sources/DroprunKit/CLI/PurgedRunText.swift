import Foundation

/// What the reading commands say of a run `gc` is removing or removed (`RunLookup.Found.purging`, `.purged`).
enum PurgedRunText {
    /// True while a purged run's id is refused as `duplicate`: as admission and `submit` decide (`retention.dedupeDays`
    /// after it finished; forever when not set, or when droprun.json cannot be read).
    static func isRefused(_ record: PurgeRecord, context: CommandContext) -> Bool {
        record.isRefused(at: context.environment.clock.now(), dedupeDays: (try? context.configuration())?.retention.dedupeDays ?? nil)
    }

    /// `status`'s line; `refused` false once the id is past `retention.dedupeDays` (it may run again).
    static func statusLine(_ found: RunLookup.Found, layout: RootLayout, refused: Bool = true) -> String? {
        switch found {
        case .purged(let record):
            return "\(record.runId): purged - finished \(Timestamp.format(record.finishedAt)), removed by gc \(Timestamp.format(record.purgedAt)); "
                + (record.archivedTo.map { "its result, request and artifacts were archived to \($0)" }
                    ?? "its result, request and artifacts are gone")
                + (refused
                    ? ", its id stays refused as duplicate (retention.dedupeDays)"
                    : ", and its id is free again (past retention.dedupeDays): a new request may use it")
        case .purging(let runId, let folder, let finishedAt):
            return "\(runId): purging - finished \(finishedAt.map(Timestamp.format) ?? "(time unknown)"); gc is removing its files "
                + "(\(layout.relative(folder))/); a gc that was stopped is finished by the next one"
        default:
            return nil
        }
    }

    /// `status --json` and `show --json`.
    static func json(_ found: RunLookup.Found, layout: RootLayout, refused: Bool = true) -> JSONValue? {
        switch found {
        case .purged(let record):
            return [
                "runId": .string(record.runId), "status": "purged", "finishedAt": .string(Timestamp.format(record.finishedAt)),
                "purgedAt": .string(Timestamp.format(record.purgedAt)), "sha256": .string(record.sha256),
                "record": .string(layout.relative(PurgeRecord.path(layout))), "idRefused": .bool(refused),
                "archivedTo": record.archivedTo.map(JSONValue.string) ?? .null,
            ]
        case .purging(let runId, let folder, let finishedAt):
            return [
                "runId": .string(runId), "status": "purging", "finishedAt": finishedAt.map { .string(Timestamp.format($0)) } ?? .null,
                "record": .string(layout.relative(folder)),
            ]
        default:
            return nil
        }
    }

    /// `show`'s lines.
    static func showLines(_ found: RunLookup.Found, layout: RootLayout, refused: Bool = true) -> [String] {
        switch found {
        case .purged(let record):
            return [
                "run       \(record.runId): purged (removed by gc)", "finished  \(Timestamp.format(record.finishedAt))",
                "purged    \(Timestamp.format(record.purgedAt))", "request   sha256 \(record.sha256.prefix(16))...",
                "kept      \(layout.relative(PurgeRecord.path(layout))): only its id, "
                    + (refused ? "refused as duplicate (retention.dedupeDays); " : "free again (past retention.dedupeDays); ")
                    + (record.archivedTo.map { "its result, request and artifacts were archived to \($0)" }
                        ?? "its result, request and artifacts are gone"),
            ]
        case .purging(let runId, let folder, let finishedAt):
            return [
                "run       \(runId): purging (gc is removing it)", "finished  \(finishedAt.map(Timestamp.format) ?? "(time unknown)")",
                "folder    \(layout.relative(folder))/ (a gc that was stopped is finished by the next one)",
            ]
        default:
            return []
        }
    }

    /// Why a command that acts on a run (retry, artifacts, approve, cancel) cannot act on this one.
    static func refusal(_ found: RunLookup.Found, doing: String) -> CLIError {
        switch found {
        case .purged(let record):
            return .failed(
                "run '\(record.runId)' finished at \(Timestamp.format(record.finishedAt)) and was removed by gc at \(Timestamp.format(record.purgedAt))"
                    + (record.archivedTo.map { " (its files were archived to \($0))" } ?? "") + "; there is nothing left to \(doing)")
        case .purging(let runId, _, _):
            return .failed("run '\(runId)' has finished and gc is removing its files; there is nothing left to \(doing)")
        default:
            return .failed("there is nothing left to \(doing)")
        }
    }
}
