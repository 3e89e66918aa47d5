/// Why a step attempt failed: a value the engine records, not a crash.
public struct StepFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A short code: one of `StepFailure.Code` for droprun's own, or a provider's own (`fail` lets requests pick one).
    public var code: String
    /// What happened, for people.
    public var message: String
    /// True when trying again may succeed; only these are retried.
    public var retryable: Bool

    public init(code: String, message: String, retryable: Bool = false) {
        self.code = code
        self.message = message
        self.retryable = retryable
    }

    public init(_ code: Code, _ message: String, retryable: Bool? = nil) {
        self.init(code: code.rawValue, message: message, retryable: retryable ?? code.isRetryable)
    }

    public var description: String { "\(code): \(message)" }

    /// droprun's own failure codes.
    public enum Code: String, Sendable, CaseIterable {
        /// An attempt ran longer than the step's `timeoutMs` (retryable).
        case stepTimeout = "step_timeout"
        /// The run ran longer than its `timeoutSeconds`.
        case runTimeout = "run_timeout"
        /// A `{{...}}` reference named nothing.
        case missingReference = "missing_reference"
        /// A resolved `with` value has the wrong type or is out of range.
        case invalidInput = "invalid_input"
        /// The stub model simulated a rate limit (retryable).
        case rateLimited = "rate_limited"
        /// An artifact could not be written, or its name is unsafe.
        case artifactError = "artifact_error"
        /// A `transform` could not apply its operation.
        case transformError = "transform_error"
        /// A provider failed in a way it did not describe.
        case providerError = "provider_error"
        /// Someone cancelled the run.
        case cancelled
        /// An approval step's time ran out.
        case approvalExpired = "approval_expired"
        /// Someone rejected an approval step.
        case approvalRejected = "approval_rejected"
        /// The run's record and the workflow definition it was admitted with disagree (steps differ, or the kept
        /// definition is missing or changed): the run cannot resume safely, so it fails and the runner goes on.
        case workflowMismatch = "workflow_mismatch"
        /// A step's output nests deeper than a run can carry (`StepOutputLimit`).
        case outputTooDeep = "output_too_deep"
        /// A dead runner's command for this run could not be ended (or told from a stranger): the step was not
        /// started again, so it never runs twice at once; the message names the process and what to do.
        case leftoverRunning = "leftover_running"
        /// An `exec` command could not be started (a missing program, a refused spawn, a shim that gave up).
        case execStartFailed = "exec_start_failed"
        /// An `exec` command exited with a status other than 0 (retryable when the alias lists it in `retryableExitCodes`).
        case execExit = "exec_exit"
        /// An `exec` command was ended by a signal.
        case execSignal = "exec_signal"
        /// An `exec` command's standard output was not JSON.
        case execBadOutput = "exec_bad_output"

        /// Whether failures with this code are retried by default.
        public var isRetryable: Bool { self == .stepTimeout || self == .rateLimited }
    }

    /// The failure as it appears in records.
    public func json(step: String?) -> JSONValue {
        var o: [String: JSONValue] = ["code": .string(code), "message": .string(message), "retryable": .bool(retryable)]
        if let step { o["step"] = .string(step) }
        return .object(o)
    }
}
