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
    }
    private let state = Mutex(State())

    public init(validity: Duration = .milliseconds(50)) { self.validity = validity }

    /// True when a cancel marker for `runId` is in `folder` (as of at most `validity` ago).
    func isRequested(_ runId: String, folder: String, fileSystem: any FileSystem) -> Bool {
        let now = ContinuousClock.now
        if let known = state.withLock({ s -> Bool? in
            guard let listed = s.listedAt, now - listed < validity else { return nil }
            return s.runIds.contains(runId)
        }) {
            return known
        }
        var found: Set<String> = []
        for entry in (try? fileSystem.list(folder)) ?? [] where entry.name.hasSuffix(".json") && !entry.name.hasPrefix(".") {
            found.insert(String(entry.name.dropLast(5)))
        }
        return state.withLock { s in
            s.runIds = found
            s.listedAt = now
            return found.contains(runId)
        }
    }

    /// Notes a marker this runner just wrote, so its own runs see it without waiting for the next listing.
    func noteMarker(_ runId: String) {
        state.withLock { _ = $0.runIds.insert(runId) }
    }
}
