extension RequestDecoder {
    /// Checks what a workflow's steps say about each other, once each step could be read: `onFailure` (read from
    /// `workflow` into `onFailure`), every `needs` (a step of the workflow, not itself, no cycle), and that every
    /// reference in a step's `with` and `when` names a step upstream of it.
    func checkGraph(_ steps: [GraphNode], onFailure: inout [String], workflow: JSONValue, at path: JSONPath) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let ids = steps.map(\.id)
        let stepsPath = path.key("steps")
        // A line (no needs, when or onFailure, as every workflow before graphs): each step's upstream is the steps listed
        // before it, with no graph to build (this runs for every request dropped).
        if workflow["onFailure"] == nil, steps.allSatisfy({ $0.needs == nil && $0.when == nil && $0.forEach == nil }) {
            for (i, step) in steps.enumerated() {
                guard let with = step.with else { continue }
                issues += checkReferences(in: with, at: stepsPath.index(i).key("with"), earlier: Array(ids[..<i]))
            }
            return issues
        }
        if let value = workflow["onFailure"] {
            let names = value.arrayValue?.compactMap(\.stringValue) ?? []
            if value.stringsValue == nil || names.isEmpty {
                issues.append(
                    ValidationIssue(path.key("onFailure"), "expected a non-empty array of step ids, found \(value.typeName) \(value.preview)"))
            }
            for (j, name) in names.enumerated() {
                if !ids.contains(name) {
                    issues.append(ValidationIssue(path.key("onFailure").index(j), Self.notAStep(name, ids)))
                } else if onFailure.contains(name) {
                    issues.append(ValidationIssue(path.key("onFailure").index(j), "step '\(name)' is named twice"))
                } else {
                    onFailure.append(name)
                }
            }
            if onFailure.count == steps.count {
                issues.append(ValidationIssue(path.key("onFailure"), "every step is an onFailure step; a workflow needs at least one step that runs"))
            }
        }
        // The graph needs sound needs; a problem of onFailure alone does not hide a cycle.
        let beforeNeeds = issues.count
        for (i, step) in steps.enumerated() {
            for (j, need) in (step.needs ?? []).enumerated() {
                let at = stepsPath.index(i).key("needs").index(j)
                if need == step.id {
                    issues.append(ValidationIssue(at, "step '\(need)' cannot need itself"))
                } else if !ids.contains(need) {
                    issues.append(ValidationIssue(at, Self.notAStep(need, ids)))
                } else if onFailure.contains(need) != onFailure.contains(step.id) {
                    let message =
                        onFailure.contains(need)
                        ? "'\(need)' is an onFailure step, which runs only when the run fails; a step of the run cannot need it"
                        : "'\(need)' is a step of the run; an onFailure step needs only other onFailure steps (it runs once the run has failed, and may read any step's output)"
                    issues.append(ValidationIssue(at, message))
                }
            }
        }
        guard issues.count == beforeNeeds else { return issues }
        let graph = StepGraph(needs: steps.map(\.needs), ids: ids, onFailure: onFailure)
        if let cycle = graph.cycle() {
            let names = (cycle + [cycle[0]]).map { steps[$0].id }
            return issues + [
                ValidationIssue(stepsPath.index(cycle[0]).key("needs"), "the steps' needs go round in a cycle: \(names.joined(separator: " -> "))")
            ]
        }
        guard issues.isEmpty else { return issues }
        let isGraph = !graph.isLine
        for (i, step) in steps.enumerated() {
            // An onFailure step runs after every step of the run has ended: it may read any of them, and its own upstream.
            var upstream = graph.upstream(of: i)
            if graph.isOnFailure[i] { upstream.formUnion(steps.indices.filter { !graph.isOnFailure[$0] }) }
            let earlier = steps.indices.filter { upstream.contains($0) }.map { steps[$0].id }
            let stepPath = stepsPath.index(i)
            if let with = step.with {
                issues += checkReferences(
                    in: with, at: stepPath.key("with"), earlier: earlier, onFailure: graph.isOnFailure[i], graph: isGraph,
                    forEach: step.forEach != nil)
            }
            if let items = step.forEach?.items {
                let at = stepPath.key("forEach")
                issues += checkReferences(in: items, at: at, earlier: earlier, onFailure: graph.isOnFailure[i], graph: isGraph)
            }
            if let when = step.when {
                issues += checkReferences(
                    in: .array(when.operands), at: stepPath.key("when"), earlier: earlier, onFailure: graph.isOnFailure[i], graph: isGraph
                ).map { ValidationIssue(stepPath.key("when"), $0.message) }
            }
        }
        return issues
    }

    /// What is said of a name that is not a step of the workflow.
    static func notAStep(_ name: String, _ ids: [String]) -> String {
        var message = "'\(name)' is not a step of this workflow"
        if let near = Suggestion.nearest(to: name, among: ids) { message += "; did you mean '\(near)'?" }
        return message
    }
}

/// What the graph checks read of one step as it was written, whether or not the step itself could be read.
struct GraphNode {
    /// Its id (a stand-in that names nothing when it has none).
    var id: String
    /// Its `needs`, when they are an array of strings.
    var needs: [String]?
    /// Its `with`, when it is an object whose references can be checked.
    var with: JSONValue?
    /// Its `when`, when it is a condition.
    var when: StepCondition?
    /// Its `forEach`, when it is one.
    var forEach: ForEachSpec?
}
