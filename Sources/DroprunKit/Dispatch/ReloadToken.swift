import Synchronization

/// Asks a `watch` to read `droprun.json` again: set by SIGHUP in the real program, by tests directly.
///
/// A request made before the runner listens is kept and delivered when it
/// does; requests that come faster than the runner handles them fold into one.
public final class ReloadToken: Sendable {
    private let state = Mutex<(pending: Bool, handler: (@Sendable () -> Void)?)>((false, nil))

    public init() {}

    /// Requests a reload: calls the handler, or keeps the request until one is set.
    public func request() {
        let handler = state.withLock { s -> (@Sendable () -> Void)? in
            if s.handler == nil { s.pending = true }
            return s.handler
        }
        handler?()
    }

    /// Calls `handler` at each request from now on (at once when one is pending); nil stops listening.
    public func onRequest(_ handler: (@Sendable () -> Void)?) {
        let pending = state.withLock { s -> Bool in
            s.handler = handler
            guard handler != nil, s.pending else { return false }
            s.pending = false
            return true
        }
        if pending { handler?() }
    }
}
