/// A step's `forEach`: the array to run the step over, and how many items may run at once.
public struct ForEachSpec: Sendable, Equatable {
    /// A literal array, or a string that is one `{{...}}` reference to an array (resolved when the step starts).
    public var items: JSONValue
    /// Items that may run at the same time (within the run's `maxParallelSteps`); nil for as many as the run allows.
    public var maxParallel: Int?

    public init(items: JSONValue, maxParallel: Int? = nil) {
        self.items = items
        self.maxParallel = maxParallel
    }
}
