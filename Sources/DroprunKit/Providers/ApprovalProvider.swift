/// `approval`: pauses the run until someone approves or rejects it.
///
/// The step's attempt ends by asking the engine to wait: the run moves to
/// `waiting_approval`, its worker is freed, and its record waits in
/// `outbox/running/` (surviving restarts) until an approval arrives
/// (`droprun approve|reject RUN_ID`, or a dropped `{"kind": "approval", ...}`)
/// or `expiresAfterSeconds` passes (the run fails with `approval_expired`).
/// The step's output is `decision`, `by` and `note`. A rejection fails the
/// run, unless the step says `"onReject": "continue"`: then the step succeeds
/// with `decision` `reject` and the run goes on, for later steps to branch on.
public struct ApprovalProvider: Provider {
    public init() {}
    public var mayWait: Bool { false }
    public var name: String { "approval" }
    public var summary: String {
        "waits for 'droprun approve|reject RUN_ID'; 'message', optional 'expiresAfterSeconds', 'onReject' (fail, continue)"
    }

    /// What a rejection does: `fail` (the default) fails the run; `continue` makes it the step's output.
    public static let onRejectChoices = ["fail", "continue"]

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        _ = with.string("message", required: true)
        _ = with.int("expiresAfterSeconds", in: 1...31_536_000)
        if case .string(let text)? = with.members["onReject"], text.contains("{{") {
            // Read as written when the decision arrives (maybe by a runner with no run input at hand): never a reference.
            with.report(
                ValidationIssue(
                    with.path.key("onReject"), "write 'fail' or 'continue' here, not a reference: it is read as written when the decision arrives"
                ))
            _ = with.value("onReject")
        } else {
            _ = with.choice("onReject", Self.onRejectChoices)
        }
    }

    /// True when the step's `with` (as written) makes a rejection its output rather than the run's failure.
    public static func continuesOnReject(_ with: [String: JSONValue]) -> Bool { with["onReject"]?.stringValue == "continue" }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let message = r.string("message", required: true) ?? ""
        let expires = r.int("expiresAfterSeconds", in: 1...31_536_000)
        _ = r.choice("onReject", Self.onRejectChoices)
        try context.check(r)
        throw AwaitingApproval(message: message, expiresAfterSeconds: expires)
    }
}
