import Synchronization

/// A wake of which at most one waits in the stream at a time.
final class WakeLatch: Sendable {
    private let raised = Atomic<Bool>(false)

    /// Raises the latch; true when it was down (the caller then sends the wake).
    func raise() -> Bool { !raised.exchange(true, ordering: .acquiringAndReleasing) }

    /// Lowers it: the wake was taken, and the next raise sends another.
    func lower() { raised.store(false, ordering: .releasing) }
}
