import Foundation

/// Why the watch loop woke up.
enum Wake: Sendable {
    /// Something arrived in the inbox (inotify), or a settle time passed.
    case inbox
    /// The poll interval passed (the fallback for file systems without events).
    case tick
    /// A run ended, waits, or was interrupted.
    case finished([RunOutcome])
    /// A worker failed in a way that stops the runner (a lost lease, a disk error).
    case failed(String)
    /// SIGTERM or SIGINT.
    case stop
    /// The grace period after a stop is over: interrupt what still runs.
    case graceOver
}

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

        let (wakes, wake) = AsyncStream<Wake>.makeStream(bufferingPolicy: .unbounded)
        let watcher = FolderWatcher(path: layout.inbox) { wake.yield(.inbox) }
        defer { watcher?.cancel() }
        context.stop.onStop { wake.yield(.stop) }
        wake.yield(.tick)
        let ticker = Task {
            while !Task.isCancelled {
                try await clock.sleep(for: .milliseconds(configuration.pollIntervalMs))
                wake.yield(.tick)
            }
        }
        defer { ticker.cancel() }

        let scanner = InboxScanner(fileSystem: fs, inbox: layout.inbox)
        let housekeepingEvery = max(1.0, Double(configuration.leaseSeconds) / 3)
        var lastHousekeeping = Date.distantPast
        var configurationWatch = ConfigurationWatch(root: layout.root, fileSystem: fs)
        var failure: String?

        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            var backlog: [Work] = []
            var refused: Set<String> = []
            var settleTimer: Task<Void, Never>?
            var pending: [InboxCandidate] = []
            var peeked: [String: Bool] = [:]
            var settling = SettleTracker(settleMs: configuration.settleMs)

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
                case .inbox, .tick, .graceOver:
                    break
                }
                if context.stop.isStopped { break }

                let now = clock.now()
                if now.timeIntervalSince(lastHousekeeping) >= housekeepingEvery || backlog.isEmpty && inFlight == 0 && event.isTick {
                    lastHousekeeping = now
                    if !heartbeat.isHeld {
                        failure = LostLease(runner: context.identity.actor).description
                        context.stop.stop()
                        break
                    }
                    if let change = configurationWatch.check() { context.warnings.warn(change) }
                    // A failing scan (a disk hiccup) is tried again at the next look.
                    backlog.append(contentsOf: (try? recovery.scan(ignoring: unloadable.contents)) ?? [])
                    backlog.append(contentsOf: deferred.due(at: now, runner: context.identity.folderName).map(Work.claimed))
                }
                while inFlight < configuration.concurrency, !backlog.isEmpty { start(backlog.removeFirst()) }

                // Take what the inbox holds: runs up to the free workers, control messages always.
                // The folder is listed again only when something arrived (or the poll says so), not per finished run.
                if event.isArrival || pending.isEmpty && inFlight < configuration.concurrency {
                    pending = ((try? scanner.candidates()) ?? []).filter { !refused.contains($0.name) }
                    peeked = peeked.filter { name, _ in pending.contains { $0.name == name } }
                    settling.observe(pending, now: now)
                }
                var kept: [InboxCandidate] = []
                for candidate in pending {
                    if context.stop.isStopped { break }
                    guard settling.isSettled(candidate, now: now) else {
                        kept.append(candidate)
                        continue
                    }
                    if inFlight >= configuration.concurrency {
                        let isControl = peeked[candidate.name] ?? isControlMessage(candidate.name)
                        peeked[candidate.name] = isControl
                        if !isControl {
                            kept.append(candidate)
                            continue
                        }
                    }
                    let claimed: ClaimedFile?
                    do {
                        claimed = try intake.claim(candidate)
                    } catch {
                        refused.insert(candidate.name)
                        onOutcome(Self.untaken(candidate, error))
                        continue
                    }
                    guard let claimed else { continue }
                    let admitted: Admitted
                    do {
                        admitted = try await admit(claimed)
                    } catch {
                        // Left in this runner's claim folder; it is taken up again when this runner restarts.
                        refused.insert(candidate.name)
                        continue
                    }
                    for outcome in admitted.outcomes { onOutcome(outcome) }
                    if let run = admitted.run { start(run) }
                    if admitted.wasControl {
                        // An approval may have released a run: look for it now.
                        lastHousekeeping = .distantPast
                        wake.yield(.tick)
                    }
                }
                pending = kept
                if let waitMs = settling.nextSettleMs(kept, now: now) {
                    settleTimer?.cancel()
                    settleTimer = Task {
                        try? await clock.sleep(for: .milliseconds(waitMs))
                        if !Task.isCancelled { wake.yield(.inbox) }
                    }
                }
            }
            settleTimer?.cancel()

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
            let json = try? JSONParser.parse(bytes), let kind = json["kind"]?.stringValue
        else { return false }
        return kind == "approval" || kind == "cancel"
    }
}

extension Wake {
    var isTick: Bool { if case .tick = self { true } else { false } }
    var isArrival: Bool {
        switch self {
        case .inbox, .tick: true
        case .finished, .failed, .stop, .graceOver: false
        }
    }
}

/// The runner stopped because it could not go on safely.
public struct RunnerStopped: Error, Sendable, CustomStringConvertible {
    /// Why.
    public var reason: String
    public var description: String { "the runner stopped: \(reason)" }
}
