/// This runner's heartbeat is gone: another runner declared it dead and took its runs.
public struct LostLease: Error, Sendable, Equatable, CustomStringConvertible {
    /// This runner.
    public var runner: String

    public var description: String {
        "runner \(runner) lost its lease (was it paused longer than leaseSeconds?); another runner took its runs over, so it stopped without writing more"
    }
}
