import Foundation

extension Dispatcher {
    /// `run --once`: batch after batch, each run to its end, sleeping only until the next settle time; stops when idle.
    ///
    /// The inbox is listed once and worked through in batches; it is listed
    /// again when the list is used up (so new arrivals are seen), or every
    /// batch while files are settling. While a batch runs, control messages
    /// dropped meanwhile are still read and applied. The metrics file is
    /// written at the end, also when a disk error ended the pass.
    ///
    /// A stop (`context.stop`) ends the pass early: nothing more is claimed, a
    /// wait ends at once, running steps get `stopGrace` to finish, then are
    /// interrupted (checkpointed, left for the next runner); the summary says
    /// `stopped`.
    func runUntilIdle(onOutcome: @escaping @Sendable (RunOutcome) -> Void) async throws -> RunOnceSummary {
        do {
            let summary = try await drainUntilIdle(onOutcome: onOutcome)
            await writeMetrics()
            return summary
        } catch {
            await writeMetrics()
            throw error
        }
    }

    private func drainUntilIdle(onOutcome: @escaping @Sendable (RunOutcome) -> Void) async throws -> RunOnceSummary {
        var summary = RunOnceSummary()
        let stop = context.stop
        let interrupter = PassInterrupter(stop: stop, clock: context.clock, grace: stopGrace)
        let clock = context.clock
        let runner = runner
        while !stop.isStopped {
            needsListing = true
            // While files may be settling, the inbox is listed at every batch.
            if context.configuration.settleMs > 0 { cursor = listed.count }
            let batch = try await nextBatch(limit: Self.batchSize, recover: true)
            for outcome in batch.refusals {
                onOutcome(outcome)
                summary.append(outcome)
            }
            if batch.isEmpty {
                if cursor < listed.count { continue }
                var nextLookMs = batch.nextLookMs
                if let ms = held.nextLookMs(now: context.clock.now()) { nextLookMs = min(nextLookMs ?? ms, ms) }
                guard let waitMs = nextLookMs else {
                    // Nothing left from this listing: one more look for files that arrived meanwhile.
                    try list()
                    if listed.isEmpty { break }
                    continue
                }
                do {
                    try await interrupter.run(cancelledAt: .stop) { try await clock.sleep(for: .milliseconds(waitMs)) }
                } catch let error where !stop.isStopped {
                    throw error
                } catch {
                    break
                }
                cursor = listed.count
                continue
            }
            for admitted in batch.admitted {
                for outcome in admitted.outcomes {
                    onOutcome(outcome)
                    summary.append(outcome)
                }
            }
            // Files of the current listing are left to the batches, in their order; only files that arrived since are read.
            peeked = Set(listed.map(\.name))
            let sweeper = Task { try await takeControlsWhileBusy(onOutcome: onOutcome) }
            let runs = batch.runs
            let ran = try await interrupter.run(cancelledAt: .graceOver) { try await runner.perform(runs, onOutcome: onOutcome) }
            sweeper.cancel()
            summary.append(contentsOf: try await sweeper.value)
            summary.append(contentsOf: ran)
        }
        summary.stopped = stop.isStopped
        try apply(.drain)
        try await context.commit()
        await context.reaper.drain()
        return summary
    }

    /// Applies control messages that arrive in the inbox while a batch runs, until cancelled (polling in real time: a
    /// cadence, not logic); a run one of them releases (or a file that changed since it was read) is run here.
    private func takeControlsWhileBusy(onOutcome: @escaping @Sendable (RunOutcome) -> Void) async throws -> [RunOutcome] {
        var outcomes: [RunOutcome] = []
        let inbox = context.layout.inbox
        while true {
            do {
                try await Task.sleep(for: context.cancelPollInterval)
            } catch {
                return outcomes
            }
            let names = ((try? context.fileSystem.list(inbox)) ?? []).filter { InboxScanner.isRequestName($0.name) && $0.rawName == nil }.map(\.name)
            let batch = try await takeControls(among: names)
            var produced = batch.refusals
            for admitted in batch.admitted {
                produced += admitted.outcomes
                if let run = admitted.run { produced += try await runner.perform(run) }
            }
            for outcome in produced {
                onOutcome(outcome)
                outcomes.append(outcome)
            }
        }
    }
}
