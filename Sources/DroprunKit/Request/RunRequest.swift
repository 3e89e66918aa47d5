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
