import Synchronization

/// Remembers when a runner last confirmed it holds its lease (real time), so writes do not each pay a `stat`.
public final class LeaseCheck: Sendable {
    /// How long a confirmation is trusted; far below the shortest lease (1 s).
    public let validity: Duration
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    public init(validity: Duration = .milliseconds(250)) { self.validity = validity }

    func isFresh() -> Bool {
        last.withLock { instant in instant.map { ContinuousClock.now - $0 < validity } ?? false }
    }

    func confirmed() { last.withLock { $0 = ContinuousClock.now } }
}
