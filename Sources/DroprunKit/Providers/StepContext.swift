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
    /// The runner's environment variables (the source of `exec`'s allowed variables, endpoints' headers and model keys).
    public var environment: [String: String] = [:]
    /// Sends HTTP requests (`http`, real `llm` models).
    public var http: any HTTPTransport = URLSessionTransport()
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
