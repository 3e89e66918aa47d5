extension IndexEntry {
    /// The `audit` member of a line: the first and the last of the segments (oldest first) that hold a run's events.
    ///
    /// A line names at most two segments, so it stays short however many
    /// segments a run's span covers (small segments, a long approval wait):
    /// the first and the last segment of the finishing runner's chain that
    /// hold its events; a reader reads the segments between them too.
    static func auditSpan(_ segments: [String]) -> [String] {
        guard let first = segments.first, let last = segments.last else { return [] }
        return first == last ? [first] : [first, last]
    }
}
