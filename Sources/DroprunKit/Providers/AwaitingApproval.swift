/// Thrown by a provider to pause its run until a person decides.
public struct AwaitingApproval: Error, Sendable, Equatable {
    /// What the approver is asked.
    public var message: String
    /// How long the approval stays open.
    public var expiresAfterSeconds: Int?

    public init(message: String, expiresAfterSeconds: Int?) {
        self.message = message
        self.expiresAfterSeconds = expiresAfterSeconds
    }
}
