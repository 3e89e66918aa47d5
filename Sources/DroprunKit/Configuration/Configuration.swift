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
    /// HTTP endpoints the operator allowed (`providers.http.endpoints`), by alias.
    public var httpEndpoints: [String: HTTPEndpointSettings] = [:]
    /// Where to notify about runs (`notifications`), when set.
    public var notifications: NotificationSettings?
    /// Steps of one run that may run at the same time (`defaults.maxParallelSteps`).
    public var maxParallelSteps = 4
    /// What `gc` (and `watch`, `run --once` on their own) removes, and when.
    public var retention = RetentionSettings()
    /// Size at which a runner's audit chain goes on in a new segment (`audit.segmentBytes`); a new UTC day starts one too.
    public var auditSegmentBytes = 16 << 20
    /// Thresholds `droprun health` judges the root by.
    public var health = HealthSettings()
    /// Where and how often runners write Prometheus metrics.
    public var metrics = MetricsSettings()
    /// How `watch` and `run --once` write their lines.
    public var logFormat: LogFormat = .text

    public init() {}
}
