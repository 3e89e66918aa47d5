import Synchronization

/// Text an attempt leaves in its step's record, such as a child's standard error.
public final class StepLog: Sendable {
    /// Characters kept.
    public static let limit = 4096
    private let text = Mutex<String?>(nil)

    public init() {}

    /// Replaces the text, keeping its first `limit` characters.
    public func set(_ value: String) {
        let kept = value.count > Self.limit ? String(value.prefix(Self.limit)) + "\n[truncated: \(value.count - Self.limit) more characters]" : value
        text.withLock { $0 = kept }
    }

    /// The text, if any.
    public var contents: String? { text.withLock { $0 } }
}
