/// Why a step attempt failed: a value the engine records, not a crash.
public struct StepFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A short code: one of droprun's own, or `.custom` for one a request brings (`fail` lets requests pick one).
    public var code: Code
    /// What happened, for people.
    public var message: String
    /// True when trying again may succeed; only these are retried.
    public var retryable: Bool
    /// How long the other side asked to wait before trying again (HTTP `Retry-After`): the retry waits at least this
    /// long, or the step fails when that is beyond the run's time. Not written to records.
    public var retryAfterMs: Int?

    public init(code: Code, message: String, retryable: Bool = false, retryAfterMs: Int? = nil) {
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retryAfterMs = retryAfterMs
    }

    public init(_ code: Code, _ message: String, retryable: Bool? = nil, retryAfterMs: Int? = nil) {
        self.init(code: code, message: message, retryable: retryable ?? code.isRetryable, retryAfterMs: retryAfterMs)
    }

    public var description: String { "\(code): \(message)" }

    /// A failure's code: droprun's own, or one a workflow brings.
    ///
    /// In records, results and the audit log a code is its `rawValue`, a string, exactly as before codes were typed.
    /// `init(rawValue:)` is the one way a string becomes a code: a string that is one of droprun's own codes becomes
    /// that case, even when a workflow brought it (a `fail` step with `"code": "run_timeout"`), so that a record reads
    /// back as the value that was written and droprun treats such a failure as its own, as it always has (a
    /// `run_timeout` is never retried, a `cancelled` is described as a cancel). Only other strings are `.custom`;
    /// equality and hashing go by `rawValue`, so a `.custom` built by hand with an own code's string still compares
    /// equal to that code.
    public enum Code: RawRepresentable, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// An attempt ran longer than the step's `timeoutMs` (retryable).
        case stepTimeout
        /// The run ran longer than its `timeoutSeconds`.
        case runTimeout
        /// A `{{...}}` reference named nothing.
        case missingReference
        /// A resolved `with` value has the wrong type or is out of range.
        case invalidInput
        /// The stub model simulated a rate limit (retryable).
        case rateLimited
        /// An artifact could not be written, or its name is unsafe.
        case artifactError
        /// A `transform` could not apply its operation.
        case transformError
        /// A provider failed in a way it did not describe.
        case providerError
        /// Someone cancelled the run.
        case cancelled
        /// An approval step's time ran out.
        case approvalExpired
        /// Someone rejected an approval step.
        case approvalRejected
        /// The run's record and the workflow definition it was admitted with disagree (steps differ, or the kept
        /// definition is missing or changed): the run cannot resume safely, so it fails and the runner goes on.
        case workflowMismatch
        /// A step's output nests deeper than a run can carry (`StepOutputLimit`).
        case outputTooDeep
        /// A dead runner's command for this run could not be ended (or told from a stranger): the step was not
        /// started again, so it never runs twice at once; the message names the process and what to do.
        case leftoverRunning
        /// An `exec` command could not be started (a missing program, a refused spawn, a shim that gave up).
        case execStartFailed
        /// An `exec` command exited with a status other than 0 (retryable when the alias lists it in `retryableExitCodes`).
        case execExit
        /// An `exec` command was ended by a signal.
        case execSignal
        /// An `exec` command's standard output was not JSON.
        case execBadOutput
        /// An HTTP endpoint answered with a status that is not 2xx (retryable when the endpoint lists it in `retryableStatuses`).
        case httpStatus
        /// An HTTP endpoint gave no answer within its `timeoutMs` (retryable).
        case httpTimeout
        /// An HTTP answer was longer than the endpoint's `maxResponseBytes`.
        case httpTooLarge
        /// An HTTP endpoint redirected off itself (to another host, scheme, port or outside its base path); not followed.
        case httpRedirectRefused
        /// The connection to an HTTP endpoint could not be made or broke (retryable).
        case httpConnection
        /// An environment variable the configuration names for a secret (a header, a model's key) is not set.
        case missingSecret
        /// A model endpoint failed on its side (5xx, overloaded; retryable).
        case modelServerError
        /// A model endpoint refused the request as malformed (its own message says why).
        case modelBadRequest
        /// A model endpoint refused the key (missing, wrong, or without access).
        case modelAuth
        /// A model endpoint's answer was not in its API's shape.
        case modelBadResponse
        /// A forEach step whose items had not all started when another step of the run failed (no more started).
        case stoppedByFailure
        /// A code that is not droprun's own: one a workflow brought (the `fail` provider's `code`), or one read from
        /// a record that a later droprun wrote.
        case custom(String)

        /// droprun's own codes, every case but `.custom` (the README lists each).
        public static let allCases: [Code] = [
            .stepTimeout, .runTimeout, .missingReference, .invalidInput, .rateLimited, .artifactError, .transformError,
            .providerError, .cancelled, .approvalExpired, .approvalRejected, .workflowMismatch, .outputTooDeep,
            .leftoverRunning, .execStartFailed, .execExit, .execSignal, .execBadOutput, .httpStatus, .httpTimeout, .httpTooLarge,
            .httpRedirectRefused, .httpConnection, .missingSecret, .modelServerError, .modelBadRequest, .modelAuth, .modelBadResponse,
            .stoppedByFailure,
        ]

        private static let ownByRawValue: [String: Code] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

        /// The code a string names: droprun's own case when it is one, `.custom` otherwise. Never nil.
        public init(rawValue: String) {
            self = Self.ownByRawValue[rawValue] ?? .custom(rawValue)
        }

        /// The code as records, results and the audit log write it.
        public var rawValue: String {
            switch self {
            case .stepTimeout: "step_timeout"
            case .runTimeout: "run_timeout"
            case .missingReference: "missing_reference"
            case .invalidInput: "invalid_input"
            case .rateLimited: "rate_limited"
            case .artifactError: "artifact_error"
            case .transformError: "transform_error"
            case .providerError: "provider_error"
            case .cancelled: "cancelled"
            case .approvalExpired: "approval_expired"
            case .approvalRejected: "approval_rejected"
            case .workflowMismatch: "workflow_mismatch"
            case .outputTooDeep: "output_too_deep"
            case .leftoverRunning: "leftover_running"
            case .execStartFailed: "exec_start_failed"
            case .execExit: "exec_exit"
            case .execSignal: "exec_signal"
            case .execBadOutput: "exec_bad_output"
            case .httpStatus: "http_status"
            case .httpTimeout: "http_timeout"
            case .httpTooLarge: "http_too_large"
            case .httpRedirectRefused: "http_redirect_refused"
            case .httpConnection: "http_connection"
            case .missingSecret: "missing_secret"
            case .modelServerError: "model_server_error"
            case .modelBadRequest: "model_bad_request"
            case .modelAuth: "model_auth"
            case .modelBadResponse: "model_bad_response"
            case .stoppedByFailure: "stopped_by_failure"
            case .custom(let code): code
            }
        }

        /// The code as people read it: its `rawValue`.
        public var description: String { rawValue }

        public static func == (a: Code, b: Code) -> Bool { a.rawValue == b.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

        /// Whether failures with this code are retried by default.
        public var isRetryable: Bool {
            switch self {
            case .stepTimeout, .rateLimited, .httpTimeout, .httpConnection, .modelServerError: true
            default: false
            }
        }
    }

    /// The failure as it appears in records.
    public func json(step: String?) -> JSONValue {
        var o: [String: JSONValue] = ["code": .string(code.rawValue), "message": .string(message), "retryable": .bool(retryable)]
        if let step { o["step"] = .string(step) }
        return .object(o)
    }
}
