import Foundation

/// Waits for one submitted run to end (`submit --wait`): woken by the folders its file and record move through.
///
/// On Linux, inotify on `outbox/results/`, `outbox/running/` and
/// `outbox/rejected/` wakes it when something there changes; each wake asks
/// `RunLocator` where the run is (a few `stat`s). A slow look
/// (`fallbackInterval`) covers a platform without events and an event lost;
/// it never looks in a busy loop.
struct RunEndWait {
    /// What a look found.
    enum Seen: Sendable {
        /// The run's result: it ended.
        case ended(RunRecord)
        /// The drop never became a run.
        case rejected(RejectedDrop)
        /// The run waits for an approval (its live record).
        case waitingApproval(RunRecord)
        /// Not ended yet (queued, claimed, running, or not admitted yet).
        case notYet
    }

    let layout: RootLayout
    let fileSystem: any FileSystem
    let clock: any RunnerClock
    let runId: String
    /// The name the drop was written under in the inbox (a rejection is filed under it).
    let inboxName: String
    /// The newest rejection filed under `inboxName` before the drop was written (an older drop's, not this one's).
    let earlierRejection: String?

    /// How often to look when no event came: seldom with events, more often without them.
    var fallbackInterval: Duration

    init(layout: RootLayout, fileSystem: any FileSystem, clock: any RunnerClock, runId: String, inboxName: String) {
        self.layout = layout
        self.fileSystem = fileSystem
        self.clock = clock
        self.runId = runId
        self.inboxName = inboxName
        earlierRejection = RejectedDrop.filed(under: inboxName, layout: layout, fs: fileSystem).last
        fallbackInterval = .seconds(2)
    }

    /// Where the run is now.
    func look() -> Seen {
        switch RunLocator(layout: layout, fileSystem: fileSystem).locate(runId, deep: false) {
        case .result(let record, _):
            return .ended(record)
        case .live(let record, _, _) where record.status == .waitingApproval:
            return .waitingApproval(record)
        case .inbox, .unknown:
            // Not admitted (yet): a rejection of this drop is one filed under its name after it was written.
            if let newest = RejectedDrop.filed(under: inboxName, layout: layout, fs: fileSystem).last, newest != earlierRejection,
                let drop = RejectedDrop.read(newest, layout: layout, fs: fileSystem)
            {
                return .rejected(drop)
            }
            return .notYet
        default:
            return .notYet
        }
    }

    /// Waits until the run ends or is rejected, or until `timeout` passes (then `.notYet`); `waiting` is told each
    /// time the run begins to wait for an approval (it keeps waiting).
    func wait(timeout: Duration?, waiting: @escaping @Sendable (RunRecord) -> Void) async -> Seen {
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let watchers = [layout.results, layout.running, layout.rejected].compactMap { FolderWatcher(path: $0) { wake.yield() } }
        let interval = watchers.count == 3 ? fallbackInterval : min(fallbackInterval, .milliseconds(250))
        let deadline = timeout.map { clock.now().addingTimeInterval($0.milliseconds / 1000) }
        let ticker = Task { [clock] in
            while !Task.isCancelled {
                var pause = interval
                if let deadline {
                    pause = min(pause, .milliseconds(max(0, Int((deadline.timeIntervalSince(clock.now()) * 1000).rounded(.up)))))
                }
                do { try await clock.sleep(for: pause) } catch { break }
                wake.yield()
            }
        }
        // The first look is at once: the run may have ended before the watch began.
        wake.yield()
        let seen = await looks(wakes, watchers: watchers, deadline: deadline, waiting: waiting)
        ticker.cancel()
        for watcher in watchers { watcher.cancel() }
        return seen
    }

    /// Looks at each wake until the run ends, or the deadline passes.
    private func looks(
        _ wakes: AsyncStream<Void>, watchers: [FolderWatcher], deadline: Date?, waiting: @escaping @Sendable (RunRecord) -> Void
    ) async -> Seen {
        var toldWaiting: Date?
        for await _ in wakes {
            for watcher in watchers { _ = watcher.drain() }
            let seen = look()
            switch seen {
            case .ended, .rejected:
                return seen
            case .waitingApproval(let record):
                // Said once per time it begins to wait (a run approved and waiting again at a later step is said again).
                if toldWaiting != record.approval?.requestedAt {
                    toldWaiting = record.approval?.requestedAt
                    waiting(record)
                }
            case .notYet:
                break
            }
            if let deadline, clock.now() >= deadline { return .notYet }
        }
        return .notYet
    }
}
