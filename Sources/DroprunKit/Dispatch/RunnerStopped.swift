/// The runner stopped because it could not go on safely.
public struct RunnerStopped: Error, Sendable, CustomStringConvertible {
    /// Why.
    public var reason: String
    public var description: String { "the runner stopped: \(reason)" }
}
