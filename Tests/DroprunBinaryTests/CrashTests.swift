import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` at random moments, and several runners on one root, with the built binary.
///
/// Executions are counted from the audit log: every attempt of a step appends
/// `step.started` before the provider runs, so the count bounds what ran.
@Suite(.serialized) struct CrashTests {
    static let steps = 4

    /// Even jobs wait in a step (their live record is written before it); odd ones are instant throughout (their claim
    /// stands for them to the end, and the checkpoint log holds their progress).
    func request(_ i: Int) -> String {
        RequestText.make(
            id: "job-\(i)",
            steps: [
                #"{"id": "greet", "provider": "template", "with": {"template": "job \#(i) for {{input.who}}"}}"#,
                i % 2 == 0 ? #"{"id": "think", "provider": "delay", "with": {"ms": \#(5 + i % 15)}}"# : #"{"id": "think", "provider": "echo"}"#,
                #"{"id": "loud", "provider": "transform", "with": {"value": "{{steps.greet.output.text}}", "op": "uppercase"}}"#,
                #"{"id": "save", "provider": "artifact", "with": {"name": "out.txt", "content": "{{steps.loud.output.value}}"}}"#,
            ], input: #"{"who": "crash test"}"#)
    }

    func prepare(_ count: Int, durability: String) throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "\#(durability)", "concurrency": 4, "pollIntervalMs": 50}"#)
        for i in 0..<count { try root.drop("job-\(i).json", request(i)) }
        return root
    }

    /// Checks the invariants: one result per request, none twice, re-executions bounded.
    func check(_ root: TemporaryRoot, count: Int, maxReexecutions: Int) throws {
        let results = root.list("outbox/results").filter { !$0.hasPrefix(".") }
        #expect(results.count == count, "results: \(results.count) of \(count); rejected: \(root.list("outbox/rejected"))")
        #expect(root.list("inbox").filter { $0.hasSuffix(".json") }.isEmpty)
        #expect(root.list("outbox/rejected").isEmpty, "a request that ran is never also rejected")
        #expect(root.list("outbox/running").filter { !$0.hasPrefix(".") }.isEmpty)
        for name in results {
            #expect(root.json("outbox/results/" + name)?["status"] == "succeeded", "\(name)")
        }
        let events = root.auditEvents()
        var finishes: [String: Int] = [:]
        var starts = 0
        for event in events {
            if event["event"] == "run.succeeded", let id = event["runId"]?.stringValue { finishes[id, default: 0] += 1 }
            if event["event"] == "step.started" { starts += 1 }
        }
        #expect(finishes.count == count)
        #expect(finishes.values.allSatisfy { $0 == 1 }, "a run finished twice: \(finishes.filter { $0.value > 1 }) in \(root.path)")
        let extra = starts - count * Self.steps
        #expect(extra >= 0)
        #expect(extra <= maxReexecutions, "\(extra) steps ran again; at most \(maxReexecutions) allowed")
        // Every chain verifies, except a torn last line left by a kill.
        let report = try AuditVerifier.verifyAll(layout: root.layout, fileSystem: PosixFileSystem())
        for problem in report.problems {
            #expect(problem.message.contains("torn last line"), "\(problem)")
        }
        for i in 0..<count {
            let artifact = root.read("artifacts/job-\(i)/out.txt")
            #expect(artifact == "JOB \(i) FOR CRASH TEST", "job-\(i)")
        }
    }

    /// Each runner is killed at a random moment; `shortly` kills most of them within the first
    /// milliseconds, while they are still taking over what the one before left (its claims, records and log).
    @Test(arguments: [("fast", false), ("strict", false), ("fast", true), ("strict", true)])
    func killNineAtRandomMomentsLosesNothing(durability: String, shortly: Bool) async throws {
        let count = 200
        let kills = shortly ? 12 : 6
        let root = try prepare(count, durability: durability)
        var generator = SeededRandom.forTest("killNineAtRandomMomentsLosesNothing(\(durability), shortly: \(shortly))")
        for _ in 0..<kills {
            let runner = try BuiltBinary.start(["watch"], root: root.path)
            try await Task.sleep(for: .milliseconds(Int.random(in: shortly ? 10...120 : 80...400, using: &generator)))
            kill(runner.processIdentifier, SIGKILL)
            _ = try? await blockingWork { try runner.wait(timeout: 10) }
        }
        let final = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 120) }
        #expect(final.code == 0, "\(final.stdout)\(final.stderr)")
        try check(root, count: count, maxReexecutions: kills * 4)
        #expect(root.list("outbox/claimed").allSatisfy { root.list("outbox/claimed/" + $0).isEmpty })
        #expect(root.list("outbox/checkpoints").isEmpty, "every killed runner's checkpoint log was taken up and removed")
    }

    @Test(arguments: ["fast", "strict"])
    func threeRunnersOnOneRootRunEachStepOnce(durability: String) async throws {
        let count = 150
        let root = try prepare(count, durability: durability)
        let runners = try (0..<3).map { _ in try BuiltBinary.start(["watch"], root: root.path) }
        let deadline = Date().addingTimeInterval(60)
        while root.list("outbox/results").count < count, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        for runner in runners { kill(runner.processIdentifier, SIGTERM) }
        for runner in runners {
            let output = try await blockingWork { try runner.wait(timeout: 30) }
            #expect(output.code == 0, "\(output.stderr)")
        }
        try check(root, count: count, maxReexecutions: 0)
        #expect(root.list("outbox/runners").isEmpty, "each runner removed its heartbeat")
    }

    /// Runs that wait for an approval, with runners killed as they reach it and as they take each other's runs over:
    /// every run ends up waiting (not expired, not lost), and one approval each then finishes them all.
    @Test(arguments: ["fast", "strict"])
    func runsKilledAsTheyBeginToWaitStillWaitForTheirApproval(durability: String) async throws {
        let count = 60
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "\#(durability)", "concurrency": 4, "pollIntervalMs": 50}"#)
        for i in 0..<count {
            try root.drop(
                "ask-\(i).json",
                RequestText.make(
                    id: "ask-\(i)",
                    steps: [
                        #"{"id": "greet", "provider": "template", "with": {"template": "ask \#(i)"}}"#,
                        #"{"id": "ok", "provider": "approval", "with": {"message": "go?", "expiresAfterSeconds": 86400}}"#,
                        #"{"id": "loud", "provider": "transform", "with": {"value": "{{steps.greet.output.text}}", "op": "uppercase"}}"#,
                        #"{"id": "save", "provider": "artifact", "with": {"name": "out.txt", "content": "{{steps.loud.output.value}}"}}"#,
                    ]))
        }
        var generator = SeededRandom.forTest("runsKilledAsTheyBeginToWaitStillWaitForTheirApproval(\(durability))")
        for _ in 0..<10 {
            let runner = try BuiltBinary.start(["watch"], root: root.path)
            try await Task.sleep(for: .milliseconds(Int.random(in: 10...120, using: &generator)))
            kill(runner.processIdentifier, SIGKILL)
            _ = try? await blockingWork { try runner.wait(timeout: 10) }
        }
        let settle = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 120) }
        #expect(settle.code == 0, "\(settle.stdout)\(settle.stderr)")
        let waiting = root.list("outbox/running").filter { !$0.hasPrefix(".") }
        #expect(waiting.count == count, "waiting: \(waiting.count) of \(count); results: \(root.list("outbox/results"))")
        for name in waiting { #expect(root.json("outbox/running/" + name)?["status"] == "waiting_approval", "\(name)") }
        #expect(root.list("outbox/checkpoints").isEmpty)

        for i in 0..<count { try root.drop("yes-\(i).json", #"{"kind": "approval", "runId": "ask-\#(i)", "decision": "approve", "by": "ada"}"#) }
        let approved = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 120) }
        #expect(approved.code == 0, "\(approved.stdout)\(approved.stderr)")
        #expect(root.list("outbox/rejected").isEmpty)
        for i in 0..<count {
            #expect(root.json("outbox/results/ask-\(i).json")?["status"] == "succeeded", "ask-\(i)")
            #expect(root.read("artifacts/ask-\(i)/out.txt") == "ASK \(i)")
        }
        let finishes = root.auditEvents().filter { $0["event"] == "run.succeeded" }.compactMap { $0["runId"]?.stringValue }
        #expect(finishes.count == count && Set(finishes).count == count, "each run finished once")
        let report = try AuditVerifier.verifyAll(layout: root.layout, fileSystem: PosixFileSystem())
        for problem in report.problems { #expect(problem.message.contains("torn last line"), "\(problem)") }
    }

    @Test func sigtermCheckpointsAndTheNextRunnerResumes() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop(
            "long.json",
            RequestText.make(
                id: "long",
                steps: [
                    #"{"id": "first", "provider": "template", "with": {"template": "done"}}"#,
                    #"{"id": "wait", "provider": "delay", "with": {"ms": 60000}}"#,
                    #"{"id": "last", "provider": "echo", "with": {"first": "{{steps.first.output.text}}"}}"#,
                ]))
        let runner = try BuiltBinary.start(["watch", "--grace-seconds", "0"], root: root.path)
        let deadline = Date().addingTimeInterval(10)
        while !root.exists("outbox/running/long.json") || root.auditEventNames(runId: "long").filter({ $0 == "step.started" }).count < 2,
            Date() < deadline
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(runner.processIdentifier, SIGTERM)
        let output = try await blockingWork { try runner.wait(timeout: 20) }
        #expect(output.code == 0, "\(output.stdout)\(output.stderr)")
        let record = try #require(root.json("outbox/running/long.json"))
        #expect(record["status"] == "running")
        #expect(record["steps"]?.arrayValue?.map { $0["status"]?.stringValue ?? "" } == ["succeeded", "pending", "pending"])
        #expect(root.list("outbox/runners").isEmpty)
        // The next runner resumes at once: the first step is not run again.
        try root.write("droprun.json", #"{"durability": "fast", "defaults": {"stepTimeoutMs": 100}}"#)
        _ = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 60) }
        let result = try #require(root.json("outbox/results/long.json"))
        #expect(result["steps"]?.arrayValue?.first?["attempts"] == 1)
        #expect(root.auditEventNames(runId: "long").contains("run.recovered"))
        #expect(root.auditEventNames(runId: "long").filter { $0 == "step.started" }.count == 3)
        // The step the stop cut short is named, and its attempt counts.
        let recovered = root.auditEvents().first { $0["event"] == "run.recovered" && $0["runId"] == "long" }
        #expect(recovered?["data"]?["interruptedSteps"] == ["wait"])
        #expect(result["steps"]?[1]?["attempts"] == 2)
    }
}
