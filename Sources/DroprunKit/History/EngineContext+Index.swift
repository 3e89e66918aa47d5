extension EngineContext {
    /// Appends a finished run's line to this runner's index file, naming this runner's audit segments since the run was created.
    ///
    /// A failure is said as a warning and never fails the run: the run is in
    /// `outbox/results/`, and `droprun reindex` puts it back in the index.
    func appendIndexLine(_ record: RunRecord) {
        guard let entry = IndexEntry(record: record, audit: audit.segmentNames(since: record.createdAt)) else { return }
        do {
            try index.append(entry)
        } catch {
            warnings.warn(
                "could not add run '\(record.runId)' to the history index (\(layout.relative(index.path(day: IndexFiles.day(of: entry.finishedAt))))): \(error); 'droprun reindex' adds it"
            )
        }
    }
}
