import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A run keeps the workflow definition it was admitted with, with the built binary: a changed workflow file never kills a runner.
@Suite(.serialized) struct AdmittedWorkflowBinaryTests {
    func binary(_ args: [String], _ root: TemporaryRoot) async throws -> (code: Int32, stdout: String, stderr: String) {
        try await blockingWork { try BuiltBinary.run(args, root: root.path) }
    }

    // MARK: - The built binary: a changed workflow file never kills a runner

    /// The issue's reproduction: a step is added to the file while a run of it waits; the next runner used to die of
    /// "Index out of range" (and every one after it). The run now finishes with the definition it was admitted with.
    @Test func addingAStepWhileARunWaitsNeitherCrashesTheRunnerNorChangesTheRun() async throws {
        let root = try NamedWorkflow.root(workflow: NamedWorkflow.approvalThenEcho)
        try root.drop("r.json", #"{"id": "r", "workflow": "w", "input": {"x": 7}}"#)
        let first = try await binary(["run", "--once"], root)
        #expect(first.code == 0, "\(first.stdout)\(first.stderr)")
        #expect(root.json("outbox/running/r.json")?["status"] == "waiting_approval")
        let admitted = try NamedWorkflow.sha(NamedWorkflow.approvalThenEcho)
        #expect(root.json("outbox/running/r.json")?["workflow"]?["sha256"]?.stringValue == admitted)
        #expect(root.json("outbox/running/r.json")?["workflow"]?["file"] == "workflows/w.json")

        try root.write(
            "workflows/w.json",
            #"""
            {"name": "w", "version": "2", "steps": [
              {"id": "ok", "provider": "approval", "with": {"message": "go?"}},
              {"id": "say", "provider": "echo", "with": {"said": "{{input.x}}"}},
              {"id": "more", "provider": "echo", "with": {"n": 3}}]}
            """#)
        let approve = try await binary(["approve", "r", "--by", "ada"], root)
        #expect(approve.code == 0, "\(approve.stdout)\(approve.stderr)")
        let next = try await binary(["run", "--once"], root)
        #expect(next.code == 0, "the runner must not die: \(next.code)\n\(next.stdout)\(next.stderr)")
        let result = try #require(root.json("outbox/results/r.json"), "\(next.stdout)\(next.stderr)")
        #expect(result["status"] == "succeeded")
        #expect(result["steps"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["ok", "say"])
        #expect(result["output"]?["said"] == 7)
        #expect(result["workflow"]?["version"] == "1")
        #expect(result["workflow"]?["sha256"]?.stringValue == admitted)
        // A later run of the same name takes the file as it is now.
        try root.drop("later.json", #"{"id": "later", "workflow": "w", "input": {"x": 1}}"#)
        let later = try await binary(["run", "--once"], root)
        #expect(later.code == 0, "\(later.stdout)\(later.stderr)")
        #expect(root.json("outbox/running/later.json")?["workflow"]?["version"] == "2")
    }

    /// Removing a step while a run waits used to give a wrong record (a step marked with another's output, an artifact
    /// credited to the wrong step): every step of the admitted definition now runs as it was defined.
    @Test func removingAStepWhileARunWaitsLeavesTheRunAsAdmitted() async throws {
        let root = try NamedWorkflow.root(workflow: NamedWorkflow.threeSteps)
        try root.drop("r.json", #"{"id": "r", "workflow": "w"}"#)
        _ = try await binary(["run", "--once"], root)
        #expect(root.json("outbox/running/r.json")?["status"] == "waiting_approval")
        try root.write(
            "workflows/w.json",
            #"""
            {"name": "w", "version": "1", "steps": [
              {"id": "ok", "provider": "approval", "with": {"message": "go?"}},
              {"id": "b", "provider": "artifact", "with": {"name": "b.txt", "content": "b alone"}}]}
            """#)
        _ = try await binary(["approve", "r"], root)
        let next = try await binary(["run", "--once"], root)
        #expect(next.code == 0, "\(next.stdout)\(next.stderr)")
        let result = try #require(root.json("outbox/results/r.json"))
        #expect(result["status"] == "succeeded")
        let steps = result["steps"]?.arrayValue ?? []
        #expect(steps.compactMap { $0["id"]?.stringValue } == ["ok", "a", "b"])
        #expect(steps.count == 3 && steps[1]["output"]?["from"] == "a" && steps[2]["provider"] == "artifact")
        #expect(result["artifacts"]?[0]?["step"] == "b")
        #expect(root.read("artifacts/r/b.txt") == "b after a")
    }
}
