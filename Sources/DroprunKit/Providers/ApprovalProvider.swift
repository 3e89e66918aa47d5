/// `approval`: pauses the run until someone approves or rejects it.
///
/// The step's attempt ends by asking the engine to wait: the run moves to
/// `waiting_approval`, its worker is freed, and its record waits in
/// `outbox/running/` (surviving restarts) until an approval arrives
/// (`droprun approve|reject RUN_ID`, or a dropped `{"kind": "approval", ...}`)
/// or `expiresAfterSeconds` passes (the run fails with `approval_expired`).
/// The step's output is `decision`, `by` and `note`.
public struct ApprovalProvider: Provider {
    public init() {}
    public var mayWait: Bool { false }
    public var name: String { "approval" }
    public var summary: String { "waits for 'droprun approve|reject RUN_ID'; 'message', optional 'expiresAfterSeconds'" }

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        _ = with.string("message", required: true)
        _ = with.int("expiresAfterSeconds", in: 1...31_536_000)
    }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let message = r.string("message", required: true) ?? ""
        let expires = r.int("expiresAfterSeconds", in: 1...31_536_000)
        try context.check(r)
        throw AwaitingApproval(message: message, expiresAfterSeconds: expires)
    }
}
