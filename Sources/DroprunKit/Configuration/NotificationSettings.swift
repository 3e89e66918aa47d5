/// Where and when to notify about runs (`notifications` in `droprun.json`, or a workflow's `notify`).
///
/// A notification is a `POST` of a small JSON summary (`NotificationSummary`)
/// to `path` under the http endpoint `endpoint`; a failed delivery is tried
/// again after `backoffMs`, doubled each time (at most a minute), up to
/// `maxAttempts` in all.
public struct NotificationSettings: Sendable, Equatable {
    /// The http endpoint alias to call (one of `providers.http.endpoints`; it must allow `POST`).
    public var endpoint: String
    /// The path under the endpoint's base.
    public var path = ""
    /// Which moments to notify about (default all).
    public var on: [NotificationKind] = NotificationKind.allCases
    /// Deliveries tried at most, the first included.
    public var maxAttempts = 5
    /// The wait before the second delivery; doubled before each later one, at most `maxBackoffMs`.
    public var backoffMs = 1000

    /// The longest wait between two deliveries.
    public static let maxBackoffMs = 60_000

    public init(endpoint: String, path: String = "", on: [NotificationKind] = NotificationKind.allCases, maxAttempts: Int = 5, backoffMs: Int = 1000)
    {
        self.endpoint = endpoint
        self.path = path
        self.on = on
        self.maxAttempts = maxAttempts
        self.backoffMs = backoffMs
    }

    /// The wait after delivery `attempt` (1-based) failed.
    public func delayMs(afterAttempt attempt: Int) -> Int {
        var delay = Double(backoffMs)
        for _ in 1..<max(1, attempt) { delay *= 2 }
        return Int(min(delay, Double(Self.maxBackoffMs)))
    }
}

/// A moment a notification is sent for.
public enum NotificationKind: String, Sendable, CaseIterable, Equatable {
    /// The run ended (succeeded, failed or cancelled).
    case finished
    /// The run began to wait for an approval.
    case waitingApproval = "waiting_approval"
}
