/// Settings of one language model: the stub's simulation, or a real endpoint (`endpoint` and `api`).
public struct LLMModelSettings: Sendable, Equatable {
    /// Simulated latency of each call (stub only).
    public var latencyMs = 0
    /// Share of calls (0 to 1) that fail with a retryable `rate_limited` error, drawn reproducibly (stub only).
    public var failureRate = 0.0
    /// Name of the environment variable holding the credential; the value is never written anywhere.
    public var apiKeyEnv: String?
    /// The http endpoint alias (`providers.http.endpoints`) of a real model; nil for the stub.
    public var endpoint: String?
    /// The wire protocol the endpoint speaks; required with `endpoint`.
    public var api: LLMAPI?
    /// The model's name at the endpoint, when it differs from droprun's name for it.
    public var remoteModel: String?

    public init(latencyMs: Int = 0, failureRate: Double = 0, apiKeyEnv: String? = nil) {
        self.latencyMs = latencyMs
        self.failureRate = failureRate
        self.apiKeyEnv = apiKeyEnv
    }
}
