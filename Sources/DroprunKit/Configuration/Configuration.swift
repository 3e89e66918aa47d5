/// The settings in `droprun.json`, with the contract's defaults.
public struct Configuration: Sendable, Equatable {
    /// Runs at once in `watch` and `run --once`.
    public var concurrency = 4
    /// How often `watch` looks at the inbox when no event arrives.
    public var pollIntervalMs = 500
    /// How long a dropped file's size and time must be unchanged before it is taken (0: at once).
    public var settleMs = 0
    /// Largest request accepted, in bytes.
    public var maxRequestBytes = 1_048_576
    /// Whether state changes are flushed to disk.
    public var durability: Durability = .strict
    /// How long a runner's claim on a run lasts without renewal.
    public var leaseSeconds = 30
    /// Step timeout when a step names none.
    public var stepTimeoutMs = 60_000
    /// Run timeout when a request names none.
    public var runTimeoutSeconds = 3_600
    /// Folder (relative to the root) of named workflows.
    public var workflowsFolder = "workflows"
    /// Stub language models beyond the built-in `stub-small` and `stub-large`.
    public var llmModels: [String: LLMModelSettings] = [:]
    /// Commands `exec` may run, by alias.
    public var execCommands: [String: ExecCommandSettings] = [:]

    public init() {}
}

/// Settings of one stub language model.
public struct LLMModelSettings: Sendable, Equatable {
    /// Simulated latency of each call.
    public var latencyMs = 0
    /// Share of calls (0 to 1) that fail with a retryable `rate_limited` error, drawn reproducibly.
    public var failureRate = 0.0
    /// Name of the environment variable holding the credential; the value is never written anywhere.
    public var apiKeyEnv: String?

    public init(latencyMs: Int = 0, failureRate: Double = 0, apiKeyEnv: String? = nil) {
        self.latencyMs = latencyMs
        self.failureRate = failureRate
        self.apiKeyEnv = apiKeyEnv
    }
}

/// A command an operator allowed `exec` to run.
public struct ExecCommandSettings: Sendable, Equatable {
    /// Absolute path of the program.
    public var path: String
    /// Time limit of one call.
    public var timeoutMs = 60_000
    /// Exit codes that mean "try again".
    public var retryableExitCodes: [Int] = []
    /// Names of environment variables passed through to the child.
    public var env: [String] = []
    /// Folder the child starts in.
    public var workingDirectory: String?

    public init(path: String) { self.path = path }
}
