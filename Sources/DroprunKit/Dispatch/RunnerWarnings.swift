import Synchronization

/// Where a runner says what it found and could not use (an unreadable record), each thing once.
///
/// The runner goes on without such a file, so it must say so: `run --once`
/// and `watch` write these lines to standard error. A `watch` looks at the
/// same files every few hundred milliseconds, so each message is written
/// once per process, however often it is found again.
public final class RunnerWarnings: Sendable {
    private let sink: (any OutputSink)?
    // Guarded by the mutex: messages already written, in order, and the notices.
    private let said = Mutex<(seen: Set<String>, order: [String], notices: [String])>(([], [], []))

    /// Writes each warning as a line to `sink` (nil: only kept, for tests and embedders to read).
    public init(sink: (any OutputSink)? = nil) { self.sink = sink }

    /// Reports `message`, unless it was reported already.
    public func warn(_ message: String) {
        let isNew = said.withLock { state in
            guard state.seen.insert(message).inserted else { return false }
            state.order.append(message)
            return true
        }
        if isNew { sink?.line("droprun: warning: " + message) }
    }

    /// Says what the runner did that an operator should know of (a rebuilt index): `droprun: <message>`, every time.
    public func notice(_ message: String) {
        said.withLock { $0.notices.append(message) }
        sink?.line("droprun: " + message)
    }

    /// Every notice said so far, in order.
    public var notices: [String] { said.withLock { $0.notices } }

    /// Reports a file the runner cannot read back (a missing file is not worth a word).
    func unreadable(_ problem: UnreadableRecord) {
        guard !problem.isNotFound else { return }
        warn(problem.description)
    }

    /// Every warning reported so far, in order.
    public var messages: [String] { said.withLock { $0.order } }
}
