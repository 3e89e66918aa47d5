import Foundation
import Synchronization

extension Runner {
    /// Serves the root until `context.stop` is triggered: claims drops as they arrive, `concurrency` runs at once.
    ///
    /// Wakes on inotify events from the inbox (Linux), and every
    /// `pollIntervalMs` in any case. Renews its heartbeat and looks for runs to
    /// take over every `leaseSeconds / 3`. Control messages are read and applied
    /// at once, even while every worker is busy. On stop it claims nothing more,
    /// lets running steps finish for up to `grace`, interrupts the rest (their
    /// records are checkpointed with the interrupted step pending), removes its
    /// heartbeat (so the next runner takes them over at once) and returns.
    public func watch(grace: Duration = .seconds(10), onOutcome: @escaping @Sendable (RunOutcome) -> Void = { _ in }) async throws {
        let fs = context.fileSystem
        let layout = context.layout
        let clock = context.clock
        let configuration = context.configuration
        try layout.createFolders(fs)
        let heartbeat = context.heartbeat
        try heartbeat.start(mode: "watch", startedAt: clock.now(), concurrency: configuration.concurrency)
        let keeper = keepHeartbeat()
        defer {
            keeper.cancel()
            // A clean stop leaves no checkpoint log (every run it holds is finished or published).
            context.checkpointLog.close()
            heartbeat.stop()
        }

        // Inbox wakes and ticks are latched: at most one of each waits in the stream, so a burst of events costs one look.
        let (wakes, wake) = AsyncStream<Wake>.makeStream(bufferingPolicy: .unbounded)
        let inboxLatch = WakeLatch()
        let tickLatch = WakeLatch()
        let watcher = FolderWatcher(path: layout.inbox) { if inboxLatch.raise() { wake.yield(.inbox) } }
        defer { watcher?.cancel() }
        context.stop.onStop { wake.yield(.stop) }
        if tickLatch.raise() { wake.yield(.tick) }
        let ticker = Task {
            while !Task.isCancelled {
                try await clock.sleep(for: .milliseconds(configuration.pollIntervalMs))
                if tickLatch.raise() { wake.yield(.tick) }
            }
        }
        defer { ticker.cancel() }

        let scanner = InboxScanner(fileSystem: fs, inbox: layout.inbox)
        let housekeepingEvery = max(1.0, Double(configuration.leaseSeconds) / 3)
        var lastHousekeeping = Date.distantPast
        var configurationWatch = ConfigurationWatch(root: layout.root, fileSystem: fs)
        var failure: String?

        // Discarding: a finished run's task is freed at once (a plain group keeps every child until it is awaited).
        await withDiscardingTaskGroup { group in
            var inFlight = 0
            // Work waiting for a worker, first in first out (`head` is the next to start).
            var queue: [Work] = []
            var head = 0
            // The latest listing of the inbox, worked through to its end before the inbox is listed again.
            var listed: [InboxCandidate] = []
            var cursor = 0
            var needsListing = true
            // Names that events said arrived since the last look, and names already looked at (taken, or read for a control message).
            var arrivals: [String] = []
            var peeked: Set<String> = []
            var tracker = ArrivalTracker(settleMs: configuration.settleMs)
            var retryNames = RetryBackoff()
            var held = HeldClaims()
            var nextRevisit = Date.distantPast
            var timer: Task<Void, Never>?
            var timerDue: Date?

            func start(_ item: Work) {
                inFlight += 1
                group.addTask {
                    do {
                        wake.yield(.finished(try await perform(item)))
                    } catch is RunFinishedElsewhere {
                        wake.yield(.finished([]))
                    } catch is LostLease {
                        wake.yield(.failed(LostLease(runner: context.identity.actor).description))
                    } catch {
                        wake.yield(.failed("\(error)"))
                    }
                }
            }
            func startWhatFits() {
                while inFlight < configuration.concurrency, head < queue.count {
                    start(queue[head])
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
            func take(_ admitted: Admitted) {
                for outcome in admitted.outcomes { onOutcome(outcome) }
                if let run = admitted.run { queue.append(run) }
                if admitted.wasControl {
                    // An approval may have released a run: look for it now.
                    lastHousekeeping = .distantPast
                    if tickLatch.raise() { wake.yield(.tick) }
                }
            }
            func absorb(_ drained: (events: [InboxEvent], overflowed: Bool), now: Date) {
                if drained.overflowed {
                    tracker.forgetEvents()
                    needsListing = true
                }
                for event in drained.events where InboxScanner.isRequestName(event.name) {
                    tracker.note(event, now: now)
                    switch event.kind {
                    case .renamedIn, .created, .written:
                        // A new file under this name: try it at once, and look at it afresh.
                        retryNames.forget(event.name)
                        peeked.remove(event.name)
                    case .closed, .attributes:
                        break
                    }
                    if event.kind == .renamedIn || event.kind == .closed || event.kind == .created {
                        arrivals.append(event.name)
                        needsListing = true
                    }
                }
            }
            /// Claims and admits one file; a failure is retried with a backoff.
            func claimAndAdmit(_ candidate: InboxCandidate, complete: Bool, now: Date) async {
                let intake = intake
                let taken = Result(catching: { () throws(FileSystemError) in try intake.claim(candidate) })
                guard case .success(let claimed) = taken else {
                    // Said once per name (not at every retry); tried again after a backoff.
                    retryNames.failed(candidate.name, now: now)
                    if case .failure(let error) = taken, retryNames.failures(candidate.name) == 1 {
                        onOutcome(Self.untaken(candidate, error))
                    }
                    return
                }
                tracker.forget(candidate.name)
                retryNames.forget(candidate.name)
                peeked.insert(candidate.name)
                guard var claimed else { return }
                claimed.mayBeIncomplete = !complete
                do {
                    take(try await admit(claimed, holding: &held))
                } catch {
                    // Left in this runner's claim folder: offered again after a backoff, as every claim that could not be
                    // admitted for now is (and by the next runner, if this one stops).
                    _ = deferred.postpone(claimed, now: now)
                }
            }

            loop: for await event in wakes {
                switch event {
                case .stop:
                    break loop
                case .failed(let message):
                    inFlight -= 1
                    failure = message
                    context.stop.stop()
                    break loop
                case .finished(let outcomes):
                    inFlight -= 1
                    for outcome in outcomes { onOutcome(outcome) }
                case .inbox:
                    inboxLatch.lower()
                case .tick:
                    tickLatch.lower()
                    needsListing = true
                case .graceOver:
                    break
                }
                if context.stop.isStopped { break }

                var now = clock.now()
                if let due = timerDue, due <= now { timerDue = nil }
                if now.timeIntervalSince(lastHousekeeping) >= housekeepingEvery || head == queue.count && inFlight == 0 && event.isTick {
                    lastHousekeeping = now
                    if !heartbeat.isHeld {
                        failure = LostLease(runner: context.identity.actor).description
                        context.stop.stop()
                        break
                    }
                    if let change = configurationWatch.check() { context.warnings.warn(change) }
                    // A failing scan (a disk hiccup) is tried again at the next look.
                    queue.append(contentsOf: (try? recovery.scan(ignoring: unloadable.contents)) ?? [])
                }
                if let watcher { absorb(watcher.drain(), now: now) }

                // Files held while they may be half-written, and admissions that failed, when their time has come.
                if !held.isEmpty, now >= nextRevisit, let admitted = try? await revisit(&held) {
                    nextRevisit = now.addingTimeInterval(Double(HeldClaims.lookEveryMs) / 1000)
                    for a in admitted { take(a) }
                }
                queue.append(contentsOf: deferred.due(at: now, runner: context.identity.folderName).map(Work.claimed))
                startWhatFits()

                // Take a round from the inbox while the queue has room, as run --once does.
                var nextLookMs: Int?
                if queue.count - head < Self.batchSize {
                    if cursor >= listed.count, needsListing {
                        needsListing = false
                        listed = (try? scanner.candidates()) ?? []
                        cursor = 0
                        now = clock.now()
                        // Events about the files this listing shows are in the kernel's queue by now.
                        if let watcher { absorb(watcher.drain(), now: now) }
                        let names = Set(listed.map(\.name))
                        tracker.prune(keeping: names)
                        retryNames.prune(keeping: names)
                        peeked.formIntersection(names)
                        for candidate in listed { tracker.observe(candidate, now: now) }
                    }
                    while cursor < listed.count, queue.count - head < Self.batchSize, !context.stop.isStopped {
                        let candidate = listed[cursor]
                        cursor += 1
                        guard retryNames.isDue(candidate.name, now: now) else { continue }
                        switch tracker.decision(candidate, now: now) {
                        case .wait(let ms):
                            if let ms { nextLookMs = min(nextLookMs ?? ms, ms) }
                        case .take(let complete):
                            await claimAndAdmit(candidate, complete: complete, now: now)
                        }
                    }
                    startWhatFits()
                }

                // Control messages go first even when the queue is full: each new arrival not taken yet is read once.
                // Without events, the names come from a listing at each poll while work waits.
                if watcher == nil, event.isTick, head < queue.count || cursor < listed.count {
                    arrivals = ((try? fs.list(layout.inbox)) ?? []).filter { $0.rawName == nil && InboxScanner.isRequestName($0.name) }.map(\.name)
                }
                if !arrivals.isEmpty {
                    for name in arrivals where !peeked.contains(name) && !context.stop.isStopped {
                        peeked.insert(name)
                        guard isControlMessage(name) else { continue }
                        let candidate = InboxCandidate(name: name, info: FileInfo(type: .regular, size: 0, modified: .distantPast))
                        await claimAndAdmit(candidate, complete: true, now: now)
                    }
                    arrivals.removeAll(keepingCapacity: arrivals.count < 4096)
                    startWhatFits()
                }

                // Wake again when something waited for is due (a file settling, a retry, a held file to look at).
                for ms in [retryNames.nextDueMs(now: now), deferred.nextDueMs(now: now), held.nextLookMs(now: now)] {
                    if let ms { nextLookMs = min(nextLookMs ?? ms, ms) }
                }
                if let waitMs = nextLookMs {
                    let due = now.addingTimeInterval(Double(waitMs) / 1000)
                    if timerDue.map({ due < $0 }) ?? true {
                        timer?.cancel()
                        timerDue = due
                        timer = Task {
                            try? await clock.sleep(for: .milliseconds(waitMs))
                            if !Task.isCancelled, tickLatch.raise() { wake.yield(.tick) }
                        }
                    }
                }
            }
            timer?.cancel()

            // Stopping: claim nothing more; give running steps the grace period, then interrupt them.
            if inFlight > 0 {
                let drained = Task {
                    try? await clock.sleep(for: grace)
                    wake.yield(.graceOver)
                }
                for await event in wakes {
                    switch event {
                    case .finished(let outcomes):
                        inFlight -= 1
                        for outcome in outcomes { onOutcome(outcome) }
                    case .failed(let message):
                        inFlight -= 1
                        failure = failure ?? message
                    case .graceOver:
                        group.cancelAll()
                    case .stop, .inbox, .tick:
                        break
                    }
                    if inFlight <= 0 { break }
                }
                drained.cancel()
            }
            group.cancelAll()
        }
        await context.reaper.drain()
        try await context.commit()
        if let failure { throw RunnerStopped(reason: failure) }
    }

    /// True when an inbox file is a control message (read without claiming it; small files only).
    func isControlMessage(_ name: String) -> Bool {
        guard let bytes = try? context.fileSystem.readRegularFile(Path.join(context.layout.inbox, name), maxBytes: 64 * 1024),
            Self.mentionsKind(bytes), let json = try? JSONParser.parse(bytes), let kind = json["kind"]?.stringValue
        else { return false }
        return kind == "approval" || kind == "cancel"
    }
}

extension Runner {
    /// True when `bytes` hold `"kind"`: only then can they be a control message (so most requests are not parsed twice).
    static func mentionsKind(_ bytes: [UInt8]) -> Bool {
        let key = Array("\"kind\"".utf8)
        guard bytes.count >= key.count else { return false }
        for i in 0...(bytes.count - key.count) where bytes[i] == key[0] && Array(bytes[i..<(i + key.count)]) == key { return true }
        return false
    }
}
