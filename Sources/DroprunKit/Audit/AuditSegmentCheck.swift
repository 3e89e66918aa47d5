/// Checks one segment's lines in order: each line's hash, its `prev` against the line before, its event name, and, for
/// a segment after the first, that it begins with the `audit.segment` line naming it.
///
/// Only the first problem is kept; lines after it are still read for their
/// stored `hash`, so the next segment is checked against where this one
/// really ends and one damaged line is not reported twice.
struct AuditSegmentCheck {
    /// The file, relative to the root.
    let file: String
    /// Which segment this is.
    let segment: AuditSegmentName
    /// The `prev` the first line must have: 64 zeros for a first segment, the last hash of the segment before;
    /// nil when the chain may legitimately begin here (its older segments were removed) with any `prev`.
    let expectedPrev: String?
    /// What is wrong when the first line of a segment after the first does not continue from `expectedPrev`.
    let mismatch: String

    private(set) var events = 0
    private(set) var problem: AuditProblem?
    /// The first line's `prev`.
    private(set) var firstPrev: String?
    /// The last complete line's stored `hash` (read even after a problem).
    private(set) var lastHash: String?
    private var prev: String?
    private var lines = 0

    init(file: String, segment: AuditSegmentName, expectedPrev: String?, mismatch: String = "") {
        self.file = file
        self.segment = segment
        self.expectedPrev = expectedPrev
        self.mismatch = mismatch
        prev = expectedPrev
    }

    /// Checks the next line (without its newline).
    mutating func check(_ bytes: ArraySlice<UInt8>, number: Int) {
        lines = number
        let parsed = try? RecordReader.parse(Array(bytes))
        if case .object(let members)? = parsed, let hash = members["hash"]?.stringValue { lastHash = hash } else { lastHash = nil }
        if number == 1 { firstPrev = parsed?["prev"]?.stringValue }
        guard problem == nil else { return }
        guard case .object(var members) = parsed ?? .null else {
            return fail(number, "not a JSON object: the line was damaged or edited")
        }
        guard let hash = members.removeValue(forKey: "hash")?.stringValue, let linePrev = members["prev"]?.stringValue else {
            return fail(number, "missing 'hash' or 'prev'")
        }
        if SHA256.hex(JSONWriter.compactBytes(.object(members))) != hash {
            return fail(number, "hash does not match the event: the line was edited")
        }
        if let prev, linePrev != prev {
            if number > 1 {
                return fail(number, "'prev' does not match line \(number - 1)'s hash: a line was deleted, inserted or reordered before it")
            }
            if segment.number == 1 {
                return fail(number, "'prev' should be 64 zeros on a chain's first line: lines before it were deleted")
            }
            return fail(number, mismatch)
        }
        guard let name = members["event"]?.stringValue, let event = AuditEventName(rawValue: name) else {
            return fail(number, "unknown event name \(members["event"]?.preview ?? "(none)")")
        }
        if number == 1, segment.number > 1,
            event != .auditSegment || members["data"]?["chain"]?.stringValue != segment.chain
                || members["data"]?["segment"]?.intValue != segment.number
        {
            return fail(
                number,
                "segment \(segment.number) of chain \(segment.chain) must begin with an audit.segment event naming that chain and segment: the file was renamed or its first line removed"
            )
        }
        prev = hash
        events += 1
    }

    /// Reports a torn last line: `bytes` after the last newline.
    mutating func torn(_ bytes: Int) {
        guard bytes > 0, problem == nil else { return }
        fail(lines + 1, "torn last line: \(bytes) bytes with no newline (a writer died mid-line); it is not an event")
    }

    /// Reports an empty segment after the first (a segment always begins with its `audit.segment` line), unless it is
    /// the chain's last: a writer killed between creating the next segment and writing its first line leaves it
    /// empty, a cut that did not finish (like a torn last line, it holds no event), never to be written again.
    mutating func finish(isLast: Bool) {
        if lines == 0, segment.number > 1, problem == nil, !isLast {
            fail(1, "segment \(segment.number) of chain \(segment.chain) is empty: it should begin with its audit.segment line")
        }
    }

    private mutating func fail(_ line: Int, _ message: String) {
        problem = AuditProblem(file: file, line: line, message: message)
    }
}
