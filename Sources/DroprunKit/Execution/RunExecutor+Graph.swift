import Foundation

/// A workflow that names `needs`, `when` or `onFailure` steps, run by its graph.
///
/// The next step to run is the first in the list whose needs have all ended;
/// one whose `when` does not hold, or (without a `when`) one of whose needs
/// was skipped, is skipped with the reason, and the steps after it decide for
/// themselves. When a step fails, the run's other steps are not started; the
/// `onFailure` steps run (they see `{{run.error}}`), then the run fails with
/// the first failure. Each step's end is checkpointed on its own, so a run
/// taken over after a crash goes on from the steps that had not ended.
extension RunExecutor {
    mutating func runGraph(outputs start: [String: JSONValue], deadline: Date, artifacts: RunArtifactWriter) async throws -> ExecutionEnd {
        let steps = request.workflow.steps
        let graph = StepGraph(request.workflow)
        var outputs = start
        // A run that failed before it was taken over goes on with its onFailure steps.
        var failure = record.steps.indices.first { !graph.isOnFailure[$0] && record.steps[$0].status == .failed }.map { index in
            (record.steps[index].error ?? StepFailure(.providerError, "step '\(steps[index].id)' failed"), steps[index].id)
        }
        while failure == nil, let index = nextStep(graph, onFailure: false) {
            if try await skipIfItMust(index, graph: graph, outputs: outputs, runError: nil) { continue }
            let outcome = try await runStep(index: index, definition: steps[index], outputs: outputs, deadline: deadline, artifacts: artifacts)
            record.artifacts = artifacts.written
            if let end = try await runEnd(outcome, at: index) { return end }
            if case .failed(let stepFailure) = outcome { failure = (stepFailure, steps[index].id) }
            if case .succeeded(let output) = outcome {
                outputs[steps[index].id] = output
                try await checkpoint()
            }
        }
        guard let (runFailure, failedStep) = failure else { return .finished(try await finish(.succeed)) }
        if nextStep(graph, onFailure: true) != nil { try await checkpoint() }
        let runError = runFailure.json(step: failedStep)
        while let index = nextStep(graph, onFailure: true) {
            if try await skipIfItMust(index, graph: graph, outputs: outputs, runError: runError) { continue }
            let outcome = try await runStep(
                index: index, definition: steps[index], outputs: outputs, deadline: deadline, artifacts: artifacts, runError: runError)
            record.artifacts = artifacts.written
            if let end = try await runEnd(outcome, at: index) { return end }
            // A failure here is in its step's record; the run fails with the failure that started the onFailure steps.
            if case .succeeded(let output) = outcome { outputs[steps[index].id] = output }
            try await checkpoint()
        }
        return .finished(try await finish(.fail(runFailure, step: failedStep)))
    }

    /// How the run ends when step `index` ended as `outcome`: a cancel ends it, an approval makes it wait, an
    /// interruption hands it back; nil for a success or a failure, which the caller goes on from.
    private mutating func runEnd(_ outcome: StepEnd, at index: Int) async throws -> ExecutionEnd? {
        switch outcome {
        case .succeeded, .failed:
            return nil
        case .cancelled:
            return .finished(try await finishCancelled())
        case .waiting(let approval):
            return try await beginApproval(request.workflow.steps[index], approval)
        case .interrupted:
            try applyStep(index, .interrupt)
            try await checkpoint()
            return .interrupted(record)
        }
    }

    /// The first pending step (of the run's, or of the onFailure steps) whose needs have all ended.
    private func nextStep(_ graph: StepGraph, onFailure: Bool) -> Int? {
        record.steps.indices.first { index in
            graph.isOnFailure[index] == onFailure && record.steps[index].status == .pending
                && graph.needs[index].allSatisfy { [.succeeded, .skipped, .failed].contains(record.steps[$0].status) }
        }
    }

    /// Skips step `index` when its `when` does not hold, or, without a `when`, when a step it needs did not succeed;
    /// true when it did.
    private mutating func skipIfItMust(_ index: Int, graph: StepGraph, outputs: [String: JSONValue], runError: JSONValue?) async throws -> Bool {
        let definition = request.workflow.steps[index]
        let transition: StepTransition
        if let when = definition.when {
            let resolver = ReferenceResolver(runId: record.runId, input: request.input, stepOutputs: outputs, error: runError)
            guard !when.holds(in: resolver) else { return false }
            transition = .skip(.condition, detail: "when \(JSONWriter.compact(when.json)) did not hold")
        } else if let need = graph.needs[index].first(where: { record.steps[$0].status != .succeeded }) {
            transition = .skip(.needSkipped, detail: "it needs '\(record.steps[need].id)', which \(record.steps[need].status.rawValue)")
        } else {
            return false
        }
        try applyStep(index, transition)
        try await checkpoint()
        return true
    }
}
