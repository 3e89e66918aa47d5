extension EngineContext {
    /// Appends a finished run's line to this runner's index file, naming the first and last of this runner's audit
    /// segments since the run was created.
    ///
    /// A failure is said as a warning and never fails the run: the run is in
    /// `outbox/results/`. Since its line is missing, the marker goes (see
    /// `indexLineLost`), so queries read the results and the next runner's
    /// start builds the index again.
    func appendIndexLine(_ record: RunRecord) {
        let span = audit.segmentNames(since: record.createdAt)
        guard let entry = IndexEntry(record: record, audit: IndexEntry.auditSpan(span)) else { return }
        do {
            if case .off(let what, isNew: true) = try index.append(entry) { warnings.warn(IndexFolder.offMessage(what)) }
        } catch {
            indexLineLost("run '\(record.runId)'", error)
        }
    }

    /// Checks that the runner's open index file is still in place (lines written since into a removed file are written
    /// again); for idle moments and before the runner stops.
    func verifyIndex() {
        do {
            try index.verify()
        } catch {
            indexLineLost("the runs it finished in the last second", error)
        }
    }

    /// The index misses a line that nothing will repair (the live record goes next): the marker `outbox/index/.built`
    /// is removed, so queries (and gc) read `outbox/results/` and the next runner's start rebuilds the index.
    func indexLineLost(_ what: String, _ error: FileSystemError) {
        let marker = layout.indexBuiltMarker
        var unmarked = true
        do {
            try fileSystem.remove(marker)
            if configuration.durability == .strict { try? fileSystem.syncDirectory(layout.index) }
        } catch let removal where !removal.isNotFound {
            unmarked = false
        } catch {}
        let next =
            unmarked
            ? "the index will be rebuilt at the next start (or run droprun reindex)"
            : "and \(layout.relative(marker)) could not be removed: remove it, then run droprun reindex"
        warnings.warn("could not add \(what) to the history index (\(layout.relative(error.path)): \(error.reason)); \(next)")
    }
}
