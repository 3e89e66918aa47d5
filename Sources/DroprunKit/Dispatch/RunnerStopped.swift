/// The runner stopped because it could not go on safely.
public struct RunnerStopped: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why a runner stops on its own: the closed set the commands tell apart (a lost lease is logged as `lease.lost`).
    public enum Cause: Sendable, Equatable, CustomStringConvertible {
        /// Another runner took this one's runs over: it stopped without writing more.
        case leaseLost(runner: String)
        /// A worker failed in a way that stops the runner (a disk error), in words.
        case failed(String)

        public var description: String {
            switch self {
            case .leaseLost(let runner): LostLease(runner: runner).description
            case .failed(let message): message
            }
        }
    }

    /// Why.
    public var cause: Cause

    public init(_ cause: Cause) { self.cause = cause }

    /// Why, in words.
    public var reason: String { cause.description }

    /// The lost lease that stopped the runner, if that is why.
    public var lostLease: LostLease? {
        if case .leaseLost(let runner) = cause { LostLease(runner: runner) } else { nil }
    }

    public var description: String { "the runner stopped: \(reason)" }
}
