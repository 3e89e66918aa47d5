/// A workflow: a name, a version and its steps (a graph: each step needs the one before unless it names its `needs`).
public struct Workflow: Sendable, Equatable {
    /// The workflow's name.
    public var name: String
    /// Its version, when given.
    public var version: String?
    /// Its steps, at least one, ids unique.
    public var steps: [StepDefinition]
    /// Ids of steps (among `steps`) that run only when the run fails, to notify or clean up; they see `{{run.error}}`.
    public var onFailure: [String]
    /// Steps of one run that may run at the same time; nil for the configuration's `defaults.maxParallelSteps`.
    public var maxParallelSteps: Int?
    /// Where to notify about this workflow's runs, in place of the configuration's `notifications`.
    public var notify: NotificationSettings?

    public init(
        name: String, version: String? = nil, steps: [StepDefinition], onFailure: [String] = [], maxParallelSteps: Int? = nil,
        notify: NotificationSettings? = nil
    ) {
        self.name = name
        self.version = version
        self.steps = steps
        self.onFailure = onFailure
        self.maxParallelSteps = maxParallelSteps
        self.notify = notify
    }

    /// True when the steps run one after another as listed: no step names `needs` or `when`, and none is an `onFailure` step.
    public var isLine: Bool { onFailure.isEmpty && steps.allSatisfy { $0.needs == nil && $0.when == nil && $0.forEach == nil } }
}
