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
        self.init(needs: workflow.steps.map(\.needs), ids: workflow.steps.map(\.id), onFailure: workflow.onFailure)
    }

    /// The graph of steps `ids` whose `needs` are as given (nil: the one before), `onFailure` naming the onFailure steps.
    init(needs named: [[String]?], ids: [String], onFailure failureIDs: [String]) {
        var index: [String: Int] = [:]
        for (i, id) in ids.enumerated() where index[id] == nil { index[id] = i }
        let failureSteps = Set(failureIDs)
        let onFailure = ids.map { failureSteps.contains($0) }
        isOnFailure = onFailure
        // Without `needs`, a step needs the one before it in its own list (the run's steps, or the onFailure steps).
        var previous: [Bool: Int] = [:]
        needs = named.enumerated().map { i, stepNeeds in
            defer { previous[onFailure[i]] = i }
            if let stepNeeds { return stepNeeds.compactMap { index[$0] } }
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

extension StepGraph {
    /// The steps of one cycle of `needs` (each needs the next, the last the first), if there is one.
    public func cycle() -> [Int]? {
        // 0: not seen, 1: on the path being walked, 2: done.
        var mark = [Int](repeating: 0, count: needs.count)
        var path: [Int] = []
        func visit(_ node: Int) -> [Int]? {
            mark[node] = 1
            path.append(node)
            for next in needs[node] {
                if mark[next] == 1, let start = path.firstIndex(of: next) { return Array(path[start...]) }
                if mark[next] == 0, let found = visit(next) { return found }
            }
            path.removeLast()
            mark[node] = 2
            return nil
        }
        for node in needs.indices where mark[node] == 0 {
            if let found = visit(node) { return found }
        }
        return nil
    }
}
