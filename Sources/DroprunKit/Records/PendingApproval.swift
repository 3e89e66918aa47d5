import Foundation

/// What a run waiting at an `approval` step waits for.
public struct PendingApproval: Sendable, Equatable {
    /// The approval step's id.
    public var step: String
    /// The step's message for the approver.
    public var message: String
    /// When the run started waiting.
    public var requestedAt: Date
    /// When the approval expires, if it does.
    public var expiresAt: Date?

    public init(step: String, message: String, requestedAt: Date, expiresAt: Date?) {
        self.step = step
        self.message = message
        self.requestedAt = requestedAt
        self.expiresAt = expiresAt
    }

    /// True once the approval has expired at `now` (one without an expiry never does): the one answer to "has it expired".
    public func hasExpired(at now: Date) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt <= now
    }

    /// As records write it.
    public var json: JSONValue {
        [
            "step": .string(step), "message": .string(message), "requestedAt": .string(Timestamp.format(requestedAt)),
            "expiresAt": expiresAt.map { .string(Timestamp.format($0)) } ?? .null,
        ]
    }

    /// Reads it back from a record.
    public init?(json: JSONValue) {
        guard let step = json["step"]?.stringValue, let requested = json["requestedAt"]?.stringValue.flatMap(Timestamp.parse) else { return nil }
        self.init(
            step: step, message: json["message"]?.stringValue ?? "", requestedAt: requested,
            expiresAt: json["expiresAt"]?.stringValue.flatMap(Timestamp.parse))
    }
}
