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
