import Foundation

/// What one `gc` pass did (or, dry, would do): counts, names, and what it left and why.
public struct GCReport: Sendable, Equatable {
    /// A run left alone because someone holds it, or a file that could not be removed.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The run id, or the file (relative to the root).
        public var subject: String
        /// Why.
        public var kind: GCReason

        public init(subject: String, kind: GCReason) {
            self.subject = subject
            self.kind = kind
        }

        /// Why, in words.
        public var reason: String { kind.description }
        /// Why, as a short name for scripts.
        public var code: String { kind.code }

        public var description: String { "\(subject): \(reason)" }
        var json: JSONValue { ["subject": .string(subject), "reason": .string(reason), "code": .string(code)] }
    }

    /// Runs purged (or that would be): their ids, oldest first.
    public var purged: [String] = []
    /// Runs a crashed `gc` had begun to purge, finished by this pass (counted in `purged` too).
    public var leftoversFinished = 0
    /// Bytes removed from the root (moved away, with `--archive`).
    public var bytesFreed: Int64 = 0
    /// Rejected files removed (the dropped file and its `.error.json` count as one), by name.
    public var rejectedRemoved: [String] = []
    /// Applied control files removed from `outbox/control/`, by name.
    public var controlRemoved: [String] = []
    /// Index day files removed (every run of theirs gone), by name.
    public var indexFilesRemoved: [String] = []
    /// Audit segments removed, by name.
    public var auditSegmentsRemoved: [String] = []
    /// Purged ids dropped from `outbox/purged/purged.jsonl` (past `retention.dedupeDays`).
    public var dedupeDropped = 0
    /// Runs skipped because a runner holds them.
    public var skipped: [Problem] = []
    /// What could not be removed.
    public var errors: [Problem] = []
    /// True for a dry run.
    public var dryRun = false

    public init() {}

    /// True when something was (or would be) removed.
    public var removedAnything: Bool {
        !purged.isEmpty || !rejectedRemoved.isEmpty || !controlRemoved.isEmpty || !indexFilesRemoved.isEmpty || !auditSegmentsRemoved.isEmpty
            || dedupeDropped > 0
    }

    /// Bytes as people read them: `3.4 MB`, `812 KB`, `120 B`.
    public static func sizeText(_ bytes: Int64) -> String {
        let units: [(String, Double)] = [("GB", 1e9), ("MB", 1e6), ("KB", 1e3)]
        for (unit, size) in units where Double(bytes) >= size { return String(format: "%.1f %@", Double(bytes) / size, unit) }
        return "\(bytes) B"
    }

    /// True when something was (or would be) moved to the archive: runs, rejected or control files.
    public var archivedAnything: Bool { !purged.isEmpty || !rejectedRemoved.isEmpty || !controlRemoved.isEmpty }

    /// One line saying what was removed: `removed 120 runs older than 30d (3.4 MB), 3 rejected files, ...`.
    ///
    /// `runs` false (no cut for runs) leaves out the runs part when none went; `archive` says "archived" of runs,
    /// rejected and control files moved to `--archive`.
    public func summary(runsAge: TimeInterval?, runs: Bool = true, archive: Bool = false) -> String {
        let verb = archive ? (dryRun ? "would archive" : "archived") : (dryRun ? "would remove" : "removed")
        var parts: [String] = []
        if runs || !purged.isEmpty {
            var part =
                "\(purged.count) run\(purged.count == 1 ? "" : "s")" + (runsAge.map { " older than \(GCOptions.ageText($0))" } ?? "")
                + " (\(Self.sizeText(bytesFreed))"
            if leftoversFinished > 0 { part += "; \(leftoversFinished) of them begun by an earlier gc" }
            parts.append(part + ")")
        }
        if !rejectedRemoved.isEmpty { parts.append("\(rejectedRemoved.count) rejected file\(rejectedRemoved.count == 1 ? "" : "s")") }
        if !controlRemoved.isEmpty { parts.append("\(controlRemoved.count) control file\(controlRemoved.count == 1 ? "" : "s")") }
        if !indexFilesRemoved.isEmpty { parts.append("\(indexFilesRemoved.count) index file\(indexFilesRemoved.count == 1 ? "" : "s")") }
        if !auditSegmentsRemoved.isEmpty {
            parts.append("\(auditSegmentsRemoved.count) audit segment\(auditSegmentsRemoved.count == 1 ? "" : "s")")
        }
        if dedupeDropped > 0 { parts.append("\(dedupeDropped) purged id\(dedupeDropped == 1 ? "" : "s") past retention.dedupeDays") }
        var line = parts.isEmpty ? (dryRun ? "nothing would be removed" : "nothing to remove") : verb + " " + parts.joined(separator: ", ")
        if !runs, purged.isEmpty, bytesFreed > 0 { line += " (\(Self.sizeText(bytesFreed)))" }
        if !skipped.isEmpty { line += "; skipped \(skipped.count) (held by a runner, or unreadable)" }
        if !errors.isEmpty { line += "; \(errors.count) could not be removed" }
        return line
    }

    /// The report as `gc --json` prints it, with `extra` members.
    public func json(adding extra: [String: JSONValue] = [:]) -> JSONValue {
        var members: [String: JSONValue] = [
            "dryRun": .bool(dryRun), "purged": .array(purged.map(JSONValue.string)), "purgedCount": .int(purged.count),
            "leftoversFinished": .int(leftoversFinished), "bytesFreed": .int(Int(bytesFreed)),
            "rejectedRemoved": .array(rejectedRemoved.map(JSONValue.string)), "controlRemoved": .array(controlRemoved.map(JSONValue.string)),
            "indexFilesRemoved": .array(indexFilesRemoved.map(JSONValue.string)),
            "auditSegmentsRemoved": .array(auditSegmentsRemoved.map(JSONValue.string)), "dedupeDropped": .int(dedupeDropped),
            "skipped": .array(skipped.map(\.json)), "errors": .array(errors.map(\.json)),
        ]
        members.merge(extra) { _, new in new }
        return .object(members)
    }
}
