import Synchronization

/// A kind of step. Implement it and register it to give workflows a new provider.
///
/// A provider checks its `with` when a request is dropped (so mistakes are
/// rejected before anything runs) and does its work when the step runs. It
/// fails by throwing a `StepFailure`; retryable failures are retried with the
/// step's backoff. It must not keep state between calls that changes its output:
/// the same request must give the same result.
public protocol Provider: Sendable {
    /// The name requests use in `"provider"`.
    var name: String { get }
    /// One line for `droprun providers` and for error messages.
    var summary: String { get }

    /// Checks `with` when a request is accepted.
    ///
    /// Read each key through `with` (its accessors record the key as known;
    /// unknown keys are reported after this returns). A string that is one
    /// `{{...}}` reference passes the typed accessors, since its value is only
    /// known when the step runs.
    func validate(_ with: inout JSONObjectReader, context: ValidationContext)

    /// Runs one attempt with references already resolved.
    func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue

    /// False for providers that finish at once without waiting (no clock, no network, no child process).
    ///
    /// Their attempts run without the racing time limit and cancel poll,
    /// which cost two timers per attempt; cancellation is still checked
    /// between steps. Defaults to true.
    var mayWait: Bool { get }
}

extension Provider {
    public var mayWait: Bool { true }
}

/// What a provider may consult while validating.
public struct ValidationContext: Sendable {
    /// The root's configuration.
    public var configuration: Configuration

    public init(configuration: Configuration) { self.configuration = configuration }
}

/// What a provider may use while running one attempt.
public struct StepContext: Sendable {
    /// The run's id.
    public var runId: String
    /// The step's id.
    public var stepId: String
    /// 1 for the first attempt.
    public var attempt: Int
    /// The clock to wait on (never sleep otherwise: tests step this clock).
    public var clock: any RunnerClock
    /// The root's configuration.
    public var configuration: Configuration
    /// Writes files under `artifacts/<runId>/`.
    public var artifacts: any ArtifactWriting
    /// Where the step's `with` is in the request, for messages.
    public var withPath = JSONPath.root.key("with")
    /// Starts child processes (`exec`).
    public var launcher: any ProcessLauncher = PosixProcessLauncher()
    /// The runner's environment variables (the source of `exec`'s allowed variables).
    public var environment: [String: String] = [:]
    /// Text the attempt leaves in the step's record (`exec`'s standard error), truncated.
    public var log = StepLog()
    /// Called with a child's identity once it exists and before its program runs (`exec`): the runner writes the
    /// attempt and the child down (durably, in strict), so a runner taking over can end it. A throw abandons the child.
    public var childStarted: @Sendable (ProcessIdentity) async throws -> Void = { _ in }

    public init(runId: String, stepId: String, attempt: Int, clock: any RunnerClock, configuration: Configuration, artifacts: any ArtifactWriting) {
        self.runId = runId
        self.stepId = stepId
        self.attempt = attempt
        self.clock = clock
        self.configuration = configuration
        self.artifacts = artifacts
    }

    /// Reads `with` again after references were resolved; a wrong type is an `invalid_input` failure.
    public func reader(_ with: [String: JSONValue]) -> JSONObjectReader {
        JSONObjectReader(.object(with), at: withPath)
    }

    /// Throws `invalid_input` when the reader found problems.
    public func check(_ reader: JSONObjectReader) throws(StepFailure) {
        guard reader.issues.isEmpty else {
            throw StepFailure(.invalidInput, reader.issues.map(\.description).joined(separator: "; "))
        }
    }
}

/// Where providers write artifacts.
public protocol ArtifactWriting: Sendable {
    /// Writes `bytes` as `artifacts/<runId>/<name>` and returns its entry.
    func write(name: String, bytes: [UInt8], mediaType: String?, step: String) throws(StepFailure) -> ArtifactEntry
}

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
