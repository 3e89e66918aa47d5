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
