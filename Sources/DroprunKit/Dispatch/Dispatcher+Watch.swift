import Foundation

extension Dispatcher {
    /// `watch`: batches on folder events, ticks and housekeeping, `concurrency` runs at once, until `context.stop`.
    ///
    /// Wakes on inotify events from the inbox (Linux), and every
    /// `pollIntervalMs` in any case. Renews its heartbeat and looks for runs to
    /// take over every `leaseSeconds / 3` (housekeeping, which also reads
    /// `droprun.json` again when it changed, with `reload`). A reload request
    /// (SIGHUP) reads it at once. Control messages are read and applied at
    /// once, even while every worker is busy. On stop it claims nothing more,
    /// lets running steps finish for up to `grace`, then interrupts the rest.
    func watchUntilStopped(grace: Duration, onOutcome: @escaping @Sendable (RunOutcome) -> Void) async throws {
        let fs = context.fileSystem
        let layout = context.layout
        let clock = context.clock
        let heartbeat = context.heartbeat
        let stop = context.stop

        // Inbox wakes and ticks are latched: at most one of each waits in the stream, so a burst of events costs one look.
        let (wakes, wake) = AsyncStream<Wake>.makeStream(bufferingPolicy: .unbounded)
        let inboxLatch = WakeLatch()
        let tickLatch = WakeLatch()
        let reloadLatch = WakeLatch()
        watcher = FolderWatcher(path: layout.inbox) { if inboxLatch.raise() { wake.yield(.inbox) } }
        defer { watcher?.cancel() }
        stop.onStop { wake.yield(.stop) }
        reload?.requests.onRequest { if reloadLatch.raise() { wake.yield(.reload) } }
        defer { reload?.requests.onRequest(nil) }
        if tickLatch.raise() { wake.yield(.tick) }
        func ticking(everyMs: Int) -> Task<Void, any Error> {
            Task.detached {
                while !Task.isCancelled {
                    try await clock.sleep(for: .milliseconds(everyMs))
                    if tickLatch.raise() { wake.yield(.tick) }
                }
            }
        }
        var ticker = ticking(everyMs: context.configuration.pollIntervalMs)
        defer { ticker.cancel() }
        let metrics = startMetrics()

        // Paced by the lease, which needs a restart to change.
        let housekeepingEvery = max(1.0, Double(context.configuration.leaseSeconds) / 3)
        var lastHousekeeping = Date.distantPast
        var configurationWatch = reload.map { ConfigurationWatch(root: layout.root, fileSystem: fs, overrides: $0.overrides) }
        var failure: RunnerStopped.Cause?
        // Retention: a gc pass a minute after start (or after a reload turned it on), then at most hourly, off this actor,
        // in slices that yield.
        // One timer for the whole watch, kept across reloads that turn retention off and on, so a pass still running
        // keeps it claimed: one collector at a time, the one cancelled and awaited at stop.
        let retention = RetentionTimer(start: clock.now())
        var retaining = context.configuration.retention.isEnabled
        var collector: Task<Void, Never>?

        // Discarding: a finished run's task is freed at once (a plain group keeps every child until it is awaited).
        await withDiscardingTaskGroup { group in
            var inFlight = 0
            // Work waiting for a worker, first in first out (`head` is the next to start), with the runner (and so the
            // configuration) of the moment it was admitted.
            var queue: [(work: Work, runner: Runner)] = []
            var head = 0
            var timer = WakeTimer()

            func start(_ item: Work, _ runner: Runner) {
                inFlight += 1
                group.addTask {
                    do {
                        wake.yield(.finished(try await runner.perform(item)))
                    } catch is RunFinishedElsewhere {
                        wake.yield(.finished([]))
                    } catch is LostLease {
                        wake.yield(.failed(.leaseLost(runner: runner.context.identity.actor)))
                    } catch {
                        wake.yield(.failed(.failed("\(error)")))
                    }
                }
            }
            func startWhatFits() {
                while inFlight < context.configuration.concurrency, head < queue.count {
                    start(queue[head].work, queue[head].runner)
                    head += 1
                }
                if head == queue.count {
                    queue.removeAll(keepingCapacity: true)
                    head = 0
                } else if head >= 1024 {
                    queue.removeFirst(head)
                    head = 0
                }
            }
            func take(_ batch: Batch) {
                // Walked in place (not through `outcomes` and `runs`, which build arrays): this runs at every wake.
                for outcome in batch.refusals { onOutcome(outcome) }
                for work in batch.recovered { queue.append((work, runner)) }
                for admitted in batch.admitted {
                    for outcome in admitted.outcomes { onOutcome(outcome) }
                    if let run = admitted.run { queue.append((run, runner)) }
                }
                if batch.appliedControl {
                    // An approval may have released a run: look for it now.
                    lastHousekeeping = .distantPast
                    if tickLatch.raise() { wake.yield(.tick) }
                }
                startWhatFits()
            }

            loop: for await event in wakes {
                switch event {
                case .stop:
                    break loop
                case .failed(let cause):
                    inFlight -= 1
                    failure = cause
                    stop.stop()
                    break loop
                case .finished(let outcomes):
                    inFlight -= 1
                    for outcome in outcomes { onOutcome(outcome) }
                case .inbox:
                    inboxLatch.lower()
                case .tick:
                    tickLatch.lower()
                    needsListing = true
                case .reload:
                    reloadLatch.lower()
                case .graceOver:
                    break
                }
                if stop.isStopped { break }

                // `droprun.json` read again: at a reload request, or at housekeeping when it changed.
                let now = clock.now()
                var reasons: [ConfigurationWatch.Reason] = []
                if case .reload = event { reasons.append(.signal) }
                if now.timeIntervalSince(lastHousekeeping) >= housekeepingEvery || head == queue.count && inFlight == 0 && event.isTick {
                    reasons.append(.look)
                }
                for reason in reasons {
                    guard var watch = configurationWatch else { break }
                    let previous = context.configuration
                    let outcome = watch.check(reason, running: previous)
                    configurationWatch = watch
                    switch outcome {
                    case .unchanged: break
                    case .reloaded(_, let line): context.warnings.notice(.configReloaded, line)
                    case .refused(let line): context.warnings.notice(.configRefused, line)
                    }
                    guard case .reloaded(let next, _) = outcome, next != previous else { continue }
                    adopt(next)
                    if next.metrics != previous.metrics { metrics.file.reconfigure(next.metrics) }
                    if next.pollIntervalMs != previous.pollIntervalMs {
                        ticker.cancel()
                        ticker = ticking(everyMs: next.pollIntervalMs)
                    }
                    if next.retention.isEnabled != retaining {
                        retaining = next.retention.isEnabled
                        // Turned off: a pass going stops at its next slice. Turned on: the first pass a minute on.
                        if retaining { retention.restart(now: now) } else { collector?.cancel() }
                    }
                    // A higher concurrency starts queued work now.
                    startWhatFits()
                }

                timer.passed(now: now)
                var recover = false
                if now.timeIntervalSince(lastHousekeeping) >= housekeepingEvery || head == queue.count && inFlight == 0 && event.isTick {
                    lastHousekeeping = now
                    if !heartbeat.isHeld {
                        failure = .leaseLost(runner: context.identity.actor)
                        stop.stop()
                        break
                    }
                    recover = true
                }

                if retaining, retention.claim(now: now) {
                    let engine = context
                    collector = Task.detached {
                        _ = await RetentionPass.run(context: engine)
                        retention.ended()
                    }
                }

                // Batches while the queue has room and the listing is not used up (`watch` never throws from a batch:
                // its failures are met again at a later look).
                var nextLookMs: Int?
                repeat {
                    guard let batch = try? await nextBatch(limit: Self.batchSize - (queue.count - head), recover: recover) else { break }
                    recover = false
                    take(batch)
                    if let ms = batch.nextLookMs { nextLookMs = min(nextLookMs ?? ms, ms) }
                } while queue.count - head < Self.batchSize && cursor < listed.count && !stop.isStopped

                // Control messages go first even when the queue is full: each new arrival not taken yet is read once.
                // Without events, the names come from a listing at each poll while work waits.
                if watcher == nil, event.isTick, head < queue.count || cursor < listed.count {
                    arrivals = ((try? fs.list(layout.inbox)) ?? []).filter { $0.rawName == nil && InboxScanner.isRequestName($0.name) }.map(\.name)
                }
                if !arrivals.isEmpty {
                    let names = arrivals
                    arrivals.removeAll(keepingCapacity: arrivals.count < 4096)
                    if let controls = try? await takeControls(among: names) { take(controls) }
                }

                // Wake again when something waited for is due (a file settling, a retry, a held file to look at).
                for ms in [retryNames.nextDueMs(now: now), runner.deferred.nextDueMs(now: now), held.nextLookMs(now: now)] {
                    if let ms { nextLookMs = min(nextLookMs ?? ms, ms) }
                }
                if let waitMs = nextLookMs {
                    timer.wake(in: waitMs, now: now, clock: clock) { if tickLatch.raise() { wake.yield(.tick) } }
                }
            }
            timer.cancel()

            // Stopping: claim nothing more; give running steps the grace period, then interrupt them.
            try? apply(.drain)
            if inFlight > 0 {
                let drained = Task.detached {
                    try? await clock.sleep(for: grace)
                    wake.yield(.graceOver)
                }
                for await event in wakes {
                    switch event {
                    case .finished(let outcomes):
                        inFlight -= 1
                        for outcome in outcomes { onOutcome(outcome) }
                    case .failed(let cause):
                        inFlight -= 1
                        failure = failure ?? cause
                    case .graceOver:
                        group.cancelAll()
                    case .stop, .inbox, .tick, .reload:
                        break
                    }
                    if inFlight <= 0 { break }
                }
                drained.cancel()
            }
            group.cancelAll()
        }
        // A gc pass still going stops at its next slice (releasing the lock).
        collector?.cancel()
        await collector?.value
        await context.reaper.drain()
        await metrics.finish()
        try await context.commit()
        if let failure { throw RunnerStopped(failure) }
    }
}
