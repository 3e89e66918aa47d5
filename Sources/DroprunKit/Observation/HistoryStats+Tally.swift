import Foundation

extension HistoryStats {
    /// Adds up finished runs and rejections into `HistoryStats`, keeping no entry: counts, and one `Int` per duration.
    ///
    /// Durations are kept per workflow and per provider until `stats` sorts
    /// them for exact percentiles: a million runs of three steps is 32 MB.
    public struct Tally: Sendable {
        /// The counts so far (durations are added in `stats`).
        public private(set) var partial: HistoryStats
        private var runDurations: [String: [Int]] = [:]
        private var stepDurations: [String: [Int]] = [:]

        /// A tally for the window [`since`, `until`).
        public init(since: Date, until: Date, takenAt: Date, source: Source) {
            partial = HistoryStats(since: since, until: until, takenAt: takenAt, source: source)
        }

        /// Counts a finished run (the caller keeps to the window and hands each run once).
        public mutating func add(_ entry: IndexEntry) {
            partial.runs.add(entry.status)
            partial.workflows[entry.workflowName, default: Workflow()].runs.add(entry.status)
            if let tenant = entry.labels["tenant"] {
                partial.tenants[tenant, default: StatusCounts()].add(entry.status)
            } else {
                partial.withoutTenant.add(entry.status)
            }
            if let ms = entry.durationMs { runDurations[entry.workflowName, default: []].append(ms) }
            let minute = Int((entry.finishedAt.timeIntervalSince(partial.lastHour.from) / 60).rounded(.down))
            if partial.lastHour.runs.indices.contains(minute), entry.finishedAt < partial.until { partial.lastHour.runs[minute] += 1 }
            guard let steps = entry.steps else {
                partial.runsWithoutSteps += 1
                return
            }
            for step in steps where step.attempts > 0 || step.durationMs != nil {
                var provider = partial.providers[step.provider, default: Provider()]
                provider.steps += 1
                if step.status == .failed { provider.failed += 1 }
                provider.retries += step.retries
                partial.providers[step.provider] = provider
                if let ms = step.durationMs { stepDurations[step.provider, default: []].append(ms) }
            }
        }

        /// Counts a rejected drop by the reason its error file gives.
        public mutating func addRejection(_ reason: String) { partial.rejections[reason, default: 0] += 1 }

        /// Notes what a pass over the index could not read.
        public mutating func note(_ pass: IndexReader.Pass) {
            partial.unreadable.indexLines += pass.unreadableLines
            partial.unreadable.indexFiles += pass.unreadableFiles
        }

        /// Notes a result that could not be read.
        public mutating func noteUnreadableResult() { partial.unreadable.results += 1 }

        /// The totals, with the percentiles of the durations counted.
        public var stats: HistoryStats {
            var stats = partial
            for (name, durations) in runDurations { stats.workflows[name]?.durationMs = Percentiles(durations) }
            for (name, durations) in stepDurations { stats.providers[name]?.durationMs = Percentiles(durations) }
            return stats
        }
    }
}
