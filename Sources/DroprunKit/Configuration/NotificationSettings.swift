/// Where and when to notify about runs (`notifications` in `droprun.json`, or a workflow's `notify`).
public struct NotificationSettings: Sendable, Equatable {
    /// The http endpoint alias to call.
    public var endpoint: String
    /// The path under the endpoint's base.
    public var path = ""
    /// Which moments to notify about (default all).
    public var on: [NotificationKind] = NotificationKind.allCases

    public init(endpoint: String, path: String = "", on: [NotificationKind] = NotificationKind.allCases) {
        self.endpoint = endpoint
        self.path = path
        self.on = on
    }
}

/// A moment a notification is sent for.
public enum NotificationKind: String, Sendable, CaseIterable, Equatable {
    /// The run ended (succeeded, failed or cancelled).
    case finished
    /// The run began to wait for an approval.
    case waitingApproval = "waiting_approval"
}
