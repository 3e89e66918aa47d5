/// The graph of a workflow's steps: what each step needs, and which steps are upstream of it.
///
/// Built from a decoded (valid) workflow: every `needs` names a step, there
/// is no cycle. A step without `needs` needs the step before it in its own
/// list: the run's steps, or the `onFailure` steps among themselves.
public struct StepGraph: Sendable, Equatable {
    /// For each step (by index), the indices of the steps it needs.
    public let needs: [[Int]]
    /// For each step, whether it is one of the workflow's `onFailure` steps.
    public let isOnFailure: [Bool]

    public init(_ workflow: Workflow) {
        var index: [String: Int] = [:]
        for (i, step) in workflow.steps.enumerated() { index[step.id] = i }
        let failureSteps = Set(workflow.onFailure)
        let onFailure = workflow.steps.map { failureSteps.contains($0.id) }
        isOnFailure = onFailure
        // Without `needs`, a step needs the one before it in its own list (the run's steps, or the onFailure steps).
        var previous: [Bool: Int] = [:]
        needs = workflow.steps.enumerated().map { i, step in
            defer { previous[onFailure[i]] = i }
            if let named = step.needs { return named.compactMap { index[$0] } }
            return previous[onFailure[i]].map { [$0] } ?? []
        }
    }

    /// The indices of every step `step` needs directly or through others.
    public func upstream(of step: Int) -> Set<Int> {
        var seen: Set<Int> = []
        var stack = needs[step]
        while let next = stack.popLast() {
            guard seen.insert(next).inserted else { continue }
            stack.append(contentsOf: needs[next])
        }
        return seen
    }

    /// True when every step needs the one before it (the graph is the line workflows always were).
    public var isLine: Bool {
        needs.enumerated().allSatisfy { i, n in n == (i == 0 ? [] : [i - 1]) } && !isOnFailure.contains(true)
    }
}
