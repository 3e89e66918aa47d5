import Synchronization

/// Collects output in memory, for tests and for fixtures.
public final class CapturedOutput: OutputSink {
    private let text = Mutex("")

    public init() {}

    public func write(_ text: String) { self.text.withLock { $0 += text } }

    /// Everything written so far.
    public var contents: String { text.withLock { $0 } }
}
