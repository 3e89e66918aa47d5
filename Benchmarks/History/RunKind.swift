import DroprunKit
import Foundation

/// One kind of finished run in the generated history: a workflow, how it ended, and how often it occurs.
struct RunKind: Sendable {
    /// One step of a workflow: its definition and, when it succeeds, its output.
    struct Step: Sendable {
        var id: String
        var provider: String
        var with: [String: JSONValue]
        /// `retry`, `timeoutMs`: what the request's step carries besides `id`, `provider`, `with`.
        var options: [String: JSONValue] = [:]
        var output: JSONValue
        /// How long it takes, before a timing variant's scale.
        var ms: Int64
        /// The stderr an exec step leaves when it fails.
        var stderr: String? = nil
    }

    /// How the run ended.
    enum Outcome: Sendable {
        case succeeded
        /// Step `step` failed with `failure` after `retries` retried attempts; `ms` is how long its last attempt took.
        case failed(step: Int, failure: StepFailure, retries: Int, ms: Int64)
        /// Cancelled by `by` while step `step` ran, `afterMs` into it.
        case cancelled(step: Int, by: String, afterMs: Int64)
    }

    var workflow: String
    var version: String
    var steps: [Step]
    var input: JSONValue
    var outcome: Outcome
    /// Runs of this kind per 10,000.
    var weight: Int

    var status: RunStatus {
        switch outcome {
        case .succeeded: .succeeded
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }

    var label: String {
        switch outcome {
        case .succeeded: "\(workflow) succeeded"
        case .failed(let step, let failure, _, _): "\(workflow) failed \(failure.code.rawValue) in \(steps[step].id)"
        case .cancelled(let step, _, _): "\(workflow) cancelled in \(steps[step].id)"
        }
    }

    /// True when the run writes an artifact (a succeeded run with an artifact step).
    var writesArtifact: Bool {
        guard case .succeeded = outcome else { return false }
        return steps.contains { $0.provider == "artifact" }
    }

    /// The request's workflow, inline.
    var workflowJSON: JSONValue {
        .object([
            "name": .string(workflow), "version": .string(version),
            "steps": .array(
                steps.map { step in
                    var o: [String: JSONValue] = ["id": .string(step.id), "provider": .string(step.provider), "with": .object(step.with)]
                    o.merge(step.options) { a, _ in a }
                    return .object(o)
                }),
        ])
    }
}
