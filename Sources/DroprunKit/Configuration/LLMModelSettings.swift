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
