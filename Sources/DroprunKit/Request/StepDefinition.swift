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
    /// The ids of the steps that must end first; nil means the step before it (none for the first), as before graphs.
    public var needs: [String]?
    /// Runs the step only when this holds; otherwise it is `skipped` (reason `condition`).
    public var when: StepCondition?
    /// Runs the step once per item of an array, its output the array of the items' outputs.
    public var forEach: ForEachSpec?

    public init(
        id: String, provider: String, with: [String: JSONValue] = [:], retry: RetryPolicy = RetryPolicy(), timeoutMs: Int? = nil,
        needs: [String]? = nil, when: StepCondition? = nil, forEach: ForEachSpec? = nil
    ) {
        self.id = id
        self.provider = provider
        self.with = with
        self.retry = retry
        self.timeoutMs = timeoutMs
        self.needs = needs
        self.when = when
        self.forEach = forEach
    }
}
