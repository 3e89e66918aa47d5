import Foundation

/// `list`'s filters, read from the command line: every one given must hold.
///
/// Times are a row's time (see `ListPosition`): a run's `createdAt`, a
/// drop's arrival, a rejection's `rejectedAt`. Drops not yet admitted and
/// rejected drops have no workflow, labels or error yet, so `--workflow`,
/// `--label` and `--error` leave them out.
struct ListFilter: Sendable, Equatable {
    /// Row statuses (run statuses' raw values, `rejected`, `unreadable`); nil: any.
    var statuses: Set<String>?
    var workflow: String?
    var labels: [IndexQuery.Label] = []
    var errorCode: String?
    /// At or after.
    var since: Date?
    /// Before.
    var until: Date?

    /// Statuses a row can have beyond a run's: a drop that never became a run, and a record droprun cannot read.
    static let extraStatuses = ["rejected", "unreadable"]

    init() {}

    /// Reads `--status`, `--workflow`, `--label`, `--error`, `--since` and `--until`.
    init(_ parsed: ParsedCommand, now: Date) throws(CLIError) {
        if let given = parsed.values["status"] {
            var statuses: Set<String> = []
            for word in given.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
                statuses.insert(try Self.status(String(word).trimmingCharacters(in: .whitespaces)))
            }
            self.statuses = statuses
        }
        workflow = try Self.word(parsed.value("workflow"), flag: "--workflow", expected: "a workflow's name")
        errorCode = try Self.word(parsed.value("error"), flag: "--error", expected: "an error code such as step_timeout")
        for text in parsed.values["label"] ?? [] {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw .usage("invalid value '\(text)' for '--label': expected KEY=VALUE, such as tenant=acme")
            }
            labels.append(IndexQuery.Label(key: String(text[..<equals]), value: String(text[text.index(after: equals)...])))
        }
        since = try Self.time(parsed.value("since"), flag: "--since", now: now)
        until = try Self.time(parsed.value("until"), flag: "--until", now: now)
        if let since, let until, until <= since {
            throw .usage(
                "'--until' (\(Timestamp.format(until))) is not after '--since' (\(Timestamp.format(since))): no row could match; give an --until later than --since"
            )
        }
    }

    /// One `--status` word: `waiting` stands for `waiting_approval`, what `show` prints for such a run.
    static func status(_ given: String) throws(CLIError) -> String {
        let s = given == "waiting" ? RunStatus.waitingApproval.rawValue : given
        let known = RunStatus.allCases.map(\.rawValue) + extraStatuses
        guard known.contains(s) else {
            var message = "invalid value '\(s)' for '--status': expected one of \(known.joined(separator: ", ")) (waiting for short)"
            if let near = Suggestion.nearest(to: s, among: known + ["waiting"]) { message += "; did you mean '\(near)'?" }
            throw .usage(message)
        }
        return s
    }

    private static func word(_ text: String?, flag: String, expected: String) throws(CLIError) -> String? {
        guard let text else { return nil }
        guard !text.isEmpty else { throw .usage("invalid value '' for '\(flag)': expected \(expected)") }
        return text
    }

    private static func time(_ text: String?, flag: String, now: Date) throws(CLIError) -> Date? {
        guard let text else { return nil }
        guard let date = DurationText.pointInTime(text, now: now) else {
            throw .usage(
                "invalid value '\(text)' for '\(flag)': expected \(DurationText.expected) back from now, an RFC 3339 time (2026-12-01T10:00:00Z) or a UTC day (2026-12-01)"
            )
        }
        return date
    }

    /// True when one of `statuses` is wanted (or no status was asked for).
    func wantsAny(of statuses: [String]) -> Bool { self.statuses.map { !$0.isDisjoint(with: statuses) } ?? true }

    /// True when only runs with a record can match (a workflow, a label or an error code was asked for).
    var needsRecord: Bool { workflow != nil || !labels.isEmpty || errorCode != nil }

    /// True when drops not yet admitted can match.
    var wantsDrops: Bool { !needsRecord && wantsAny(of: [RunStatus.queued.rawValue]) }

    /// True when rejected drops (and unreadable rejections) can match.
    var wantsRejections: Bool { !needsRecord && wantsAny(of: Self.extraStatuses) }

    /// The finished statuses wanted; nil when no finished run can match.
    var finishedStatuses: Set<RunStatus>? {
        let finished = RunStatus.allCases.filter(\.isFinal)
        guard let statuses else { return Set(finished) }
        let wanted = finished.filter { statuses.contains($0.rawValue) }
        return wanted.isEmpty ? nil : Set(wanted)
    }

    /// The query for the index; nil when no finished run can match.
    func indexQuery(after: ListPosition?) -> IndexQuery? {
        guard let statuses = finishedStatuses else { return nil }
        return IndexQuery(
            statuses: statuses.count == 3 ? nil : statuses, workflow: workflow, labels: labels, errorCode: errorCode, since: since, until: until,
            after: after)
    }

    func matches(_ row: ListRow) -> Bool {
        if let statuses, !statuses.contains(row.status) { return false }
        if let workflow, row.workflow != workflow { return false }
        for label in labels where row.labels?[label.key] != label.value { return false }
        if let errorCode, row.errorCode != errorCode { return false }
        if let since, row.position.time < since { return false }
        if let until, row.position.time >= until { return false }
        return true
    }

    /// True when `--status` names `unreadable`: `list` then reads every result for records it cannot read.
    var asksForUnreadable: Bool { statuses?.contains("unreadable") ?? false }

    /// The filters in words, for "no runs ...": `with status failed, workflow w, created from … to …`.
    var description: String {
        var parts: [String] = []
        if let statuses { parts.append("status " + statuses.sorted().joined(separator: " or ")) }
        if let workflow { parts.append("workflow \(workflow)") }
        for label in labels { parts.append("label \(label.key)=\(label.value)") }
        if let errorCode { parts.append("error \(errorCode)") }
        var words = parts.isEmpty ? [] : ["with " + parts.joined(separator: ", ")]
        switch (since, until) {
        case (let since?, let until?): words.append("created from \(Timestamp.format(since)) to \(Timestamp.format(until))")
        case (let since?, nil): words.append("created since \(Timestamp.format(since))")
        case (nil, let until?): words.append("created before \(Timestamp.format(until))")
        case (nil, nil): break
        }
        return words.joined(separator: ", ")
    }
}
