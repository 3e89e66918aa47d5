import Foundation

/// What a reader of the index keeps of the finished runs: every filter `list` offers, all of which must hold.
///
/// Besides `matches(_:)`, a query says which bytes a line must contain to
/// match (`needles`), so that `IndexReader` parses only the lines that can:
/// a line is canonical compact JSON (see `IndexEntry`), so a status, a
/// workflow name, a label or an error code is written one way only. A
/// needle may also be found where it does not count (a label whose key is
/// `status`), never missed where it does; `matches(_:)` decides.
public struct IndexQuery: Sendable, Equatable {
    /// One label a run must have.
    public struct Label: Sendable, Equatable, Hashable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Only runs with one of these (final) statuses; nil: any.
    public var statuses: Set<RunStatus>?
    /// Only runs of this workflow (its name).
    public var workflow: String?
    /// Only runs with every one of these labels.
    public var labels: [Label]
    /// Only runs that ended with this error code.
    public var errorCode: String?
    /// Only runs created at or after this time.
    public var since: Date?
    /// Only runs created before this time.
    public var until: Date?
    /// Only runs listed after this position (the next page).
    public var after: ListPosition?

    public init(
        statuses: Set<RunStatus>? = nil, workflow: String? = nil, labels: [Label] = [], errorCode: String? = nil, since: Date? = nil,
        until: Date? = nil, after: ListPosition? = nil
    ) {
        self.statuses = statuses
        self.workflow = workflow
        self.labels = labels
        self.errorCode = errorCode
        self.since = since
        self.until = until
        self.after = after
    }

    /// True when the run is one the query keeps.
    public func matches(_ entry: IndexEntry) -> Bool {
        if let statuses, !statuses.contains(entry.status) { return false }
        if let workflow, entry.workflowName != workflow { return false }
        for label in labels where entry.labels[label.key] != label.value { return false }
        if let errorCode, entry.errorCode != errorCode { return false }
        if let since, entry.createdAt < since { return false }
        if let until, entry.createdAt >= until { return false }
        if let after, !after.precedes(entry.position) { return false }
        return true
    }

    /// Byte strings a matching line contains, each of them.
    var needles: [[UInt8]] {
        var needles: [[UInt8]] = []
        if let workflow { needles.append(Array(#""workflow":{"name":"#.utf8) + JSONWriter.compactBytes(.string(workflow))) }
        if let errorCode { needles.append(Array(#""error":{"code":"#.utf8) + JSONWriter.compactBytes(.string(errorCode))) }
        for label in labels {
            needles.append(JSONWriter.compactBytes(.string(label.key)) + Array(":".utf8) + JSONWriter.compactBytes(.string(label.value)))
        }
        return needles
    }

    /// Byte strings of which a matching line contains at least one (its status); empty: no condition.
    var statusNeedles: [[UInt8]] {
        guard let statuses else { return [] }
        return statuses.sorted { $0.rawValue < $1.rawValue }.map { Array(#""status":"#.utf8) + JSONWriter.compactBytes(.string($0.rawValue)) }
    }
}
