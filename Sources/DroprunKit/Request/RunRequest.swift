/// A validated run request.
public struct RunRequest: Sendable, Equatable {
    /// The `id` the request gave, if any.
    public var id: String?
    /// The workflow to run.
    public var workflow: Workflow
    /// The request's `input` (an empty object when absent).
    public var input: JSONValue
    /// Free-form labels, copied into the records.
    public var labels: [String: String]
    /// Run time limit, when the request sets one.
    public var timeoutSeconds: Double?

    public init(id: String? = nil, workflow: Workflow, input: JSONValue = [:], labels: [String: String] = [:], timeoutSeconds: Double? = nil) {
        self.id = id
        self.workflow = workflow
        self.input = input
        self.labels = labels
        self.timeoutSeconds = timeoutSeconds
    }
}

/// A workflow: a name, a version and the steps to run in order.
public struct Workflow: Sendable, Equatable {
    /// The workflow's name.
    public var name: String
    /// Its version, when given.
    public var version: String?
    /// Its steps, at least one, ids unique.
    public var steps: [StepDefinition]

    public init(name: String, version: String? = nil, steps: [StepDefinition]) {
        self.name = name
        self.version = version
        self.steps = steps
    }
}

/// One step of a workflow.
public struct StepDefinition: Sendable, Equatable {
    /// Unique within the workflow; names the step in references (`steps.ID.output`).
    public var id: String
    /// The provider's name.
    public var provider: String
    /// The provider's parameters, before references are resolved.
    public var with: [String: JSONValue]
    /// When and how to try again.
    public var retry: RetryPolicy
    /// Time limit of one attempt, when the step sets one.
    public var timeoutMs: Int?

    public init(id: String, provider: String, with: [String: JSONValue] = [:], retry: RetryPolicy = RetryPolicy(), timeoutMs: Int? = nil) {
        self.id = id
        self.provider = provider
        self.with = with
        self.retry = retry
        self.timeoutMs = timeoutMs
    }
}

/// Per-step retry: up to `maxAttempts` attempts, waiting `backoffMs`, then that times `multiplier`, ...
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, including the first.
    public var maxAttempts: Int
    /// Wait before the second attempt.
    public var backoffMs: Int
    /// Growth of the wait from one retry to the next.
    public var multiplier: Double
    /// Upper bound of any one wait.
    public var maxBackoffMs: Int

    public init(maxAttempts: Int = 1, backoffMs: Int = 100, multiplier: Double = 2, maxBackoffMs: Int = 60_000) {
        self.maxAttempts = maxAttempts
        self.backoffMs = backoffMs
        self.multiplier = multiplier
        self.maxBackoffMs = maxBackoffMs
    }

    /// The wait before attempt `attempt + 1`, after attempt `attempt` (1-based) failed.
    public func delayMs(afterAttempt attempt: Int) -> Int {
        var delay = Double(backoffMs)
        if attempt > 1 {
            for _ in 1..<attempt { delay *= multiplier }
        }
        return Int(min(delay, Double(maxBackoffMs)).rounded())
    }
}
