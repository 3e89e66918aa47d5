import Synchronization

/// Which runs have a cancel marker in `outbox/cancels/`, read from one folder listing shared by every run of the runner.
///
/// A step checks for a cancel before it starts and, when it may wait, every
/// `cancelPollInterval` while it runs. Asking the disk each time costs one
/// `stat` per step per run; instead the folder (usually empty) is listed at
/// most once per `validity` (real time), and markers this runner writes
/// itself are known at once. A marker another process drops is seen within
/// `validity`: shorter than the poll interval of a waiting step, and a step
/// that cannot wait ends sooner than that anyway.
public final class CancelBoard: Sendable {
    /// How long one listing is trusted.
    public let validity: Duration
    private struct State {
        var runIds: Set<String> = []
        var listedAt: ContinuousClock.Instant?
        /// Bumped by every change this runner makes, so a listing made before it is not kept.
        var generation = 0
    }
    private let state = Mutex(State())

    public init(validity: Duration = .milliseconds(50)) { self.validity = validity }

    /// True when a cancel marker for `runId` is in `folder` (as of at most `validity` ago).
    func isRequested(_ runId: String, folder: String, fileSystem: any FileSystem) -> Bool {
        while true {
            let now = ContinuousClock.now
            let (known, generation) = state.withLock { s -> (Bool?, Int) in
                guard let listed = s.listedAt, now - listed < validity else { return (nil, s.generation) }
                return (s.runIds.contains(runId), s.generation)
            }
            if let known { return known }
            var found: Set<String> = []
            for entry in (try? fileSystem.list(folder)) ?? [] {
                if let runId = RootLayout.cancelMarkerRunId(entry.name) { found.insert(runId) }
            }
            let answer = state.withLock { s -> Bool? in
                // A marker was written or removed by this runner while listing: list again.
                guard s.generation == generation else { return nil }
                s.runIds = found
                s.listedAt = now
                return found.contains(runId)
            }
            if let answer { return answer }
        }
    }

    /// Asks the disk itself whether `marker` (the run's cancel marker) is there, and brings the listing in line.
    ///
    /// For the check before a run's first step: a cancel another process filed
    /// a moment ago for a run still in the inbox must end it without a step
    /// running, and a marker removed since the last listing must not.
    func checkDisk(_ runId: String, marker: String, fileSystem: any FileSystem) -> Bool {
        let present = fileSystem.exists(marker)
        if present { noteMarker(runId) } else { forget(runId) }
        return present
    }

    /// Notes a marker this runner just wrote, so its own runs see it without waiting for the next listing.
    func noteMarker(_ runId: String) {
        state.withLock {
            $0.runIds.insert(runId)
            $0.generation += 1
        }
    }

    /// Notes that the marker for `runId` is gone (removed, or found missing on disk).
    func forget(_ runId: String) {
        state.withLock {
            $0.runIds.remove(runId)
            $0.generation += 1
        }
    }
}
