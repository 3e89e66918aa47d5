import Synchronization

/// Asks a runner to stop: set by SIGTERM or SIGINT in the real program, by tests directly.
public final class StopToken: Sendable {
    private let state = Mutex<(stopped: Bool, handlers: [@Sendable () -> Void])>((false, []))

    public init() {}

    /// True once `stop()` was called.
    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// Requests the stop; runs every handler once.
    public func stop() {
        let handlers = state.withLock { s -> [@Sendable () -> Void] in
            guard !s.stopped else { return [] }
            s.stopped = true
            defer { s.handlers = [] }
            return s.handlers
        }
        for handler in handlers { handler() }
    }

    /// Calls `handler` when the stop is requested (at once if it already was).
    public func onStop(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if s.stopped { return true }
            s.handlers.append(handler)
            return false
        }
        if now { handler() }
    }
}
