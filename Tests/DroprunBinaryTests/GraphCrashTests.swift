import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` at random moments while runs of a step graph (needs, when, onFailure) are under way, with the built binary.
@Suite(.serialized) struct GraphCrashTests {
    /// A diamond whose one branch runs for a third of the jobs; even jobs wait in the first branch.
    func request(_ i: Int) -> String {
        RequestText.make(
            id: "g-\(i)",
            steps: [
                #"{"id": "start", "provider": "template", "with": {"template": "job \#(i)"}}"#,
                i % 2 == 0
                    ? #"{"id": "slow", "provider": "delay", "needs": ["start"], "with": {"ms": \#(5 + i % 20)}}"#
                    : #"{"id": "slow", "provider": "echo", "needs": ["start"], "with": {"waitedMs": 0}}"#,
                #"{"id": "maybe", "provider": "echo", "needs": ["start"], "when": {"equals": ["{{input.third}}", true]}, "with": {"x": 1}}"#,
                #"{"id": "join", "provider": "artifact", "needs": ["slow", "maybe"], "when": {"exists": "{{steps.slow.output}}"}, "with": {"name": "out.txt", "content": "{{steps.start.output.text}}"}}"#,
                #"{"id": "tidy", "provider": "echo", "with": {"e": "{{run.error.code}}"}}"#,
            ], input: #"{"third": \#(i % 3 == 0)}"#, extra: ""
        ).replacingOccurrences(
            of: #""version": "1","#, with: #""version": "1", "onFailure": ["tidy"],"#)
    }

    /// Drops `count` requests (ids `request(i)`'s), kills `watch` with SIGKILL `kills` times at seeded moments (100 ms
    /// to `maxMs` after it starts), then runs `run --once` to the end and checks it passed; returns the root.
    static func killRepeatedly(
        count: Int, kills: Int, durability: String, request: (Int) -> String, test: String, maxMs: Int
    ) async throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "\#(durability)", "concurrency": 4, "pollIntervalMs": 50}"#)
        for i in 0..<count { try root.drop("r-\(i).json", request(i)) }
        var generator = SeededRandom.forTest("\(test)(\(durability))")
        for _ in 0..<kills {
            let runner = try BuiltBinary.start(["watch"], root: root.path)
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...maxMs, using: &generator)))
            kill(runner.processIdentifier, SIGKILL)
            _ = try? await blockingWork { try runner.wait(timeout: 10) }
        }
        let final = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 120) }
        #expect(final.code == 0, "\(final.stdout)\(final.stderr)")
        return root
    }

    @Test(arguments: ["fast", "strict"])
    func killNineMidGraphRunsNothingThatEndedAgainBeyondTheStepInFlight(durability: String) async throws {
        let kills = 6
        let root = try await Self.killRepeatedly(
            count: 60, kills: kills, durability: durability, request: request, test: "killNineMidGraphRunsNothingThatEndedAgainBeyondTheStepInFlight",
            maxMs: 600)
        let count = 60
        var starts: [String: Int] = [:]
        for event in root.auditEvents() where event["event"] == "step.started" {
            starts["\(event["runId"]?.stringValue ?? "")/\(event["data"]?["step"]?.stringValue ?? "")", default: 0] += 1
        }
        for i in 0..<count {
            let record = try #require(root.json("outbox/results/g-\(i).json"), "g-\(i) has no result")
            #expect(record["status"] == "succeeded", "g-\(i)")
            let steps = record["steps"]?.arrayValue ?? []
            #expect(
                steps.map { $0["status"]?.stringValue ?? "" } == [
                    "succeeded", "succeeded", i % 3 == 0 ? "succeeded" : "skipped", "succeeded", "skipped",
                ])
            #expect(steps[4]["skipReason"] == "run_did_not_fail")
            #expect(root.read("artifacts/g-\(i)/out.txt") == "job \(i)")
        }
        // Each kill cuts at most the steps in flight (two per run, slow and maybe at once, four runs at once) short:
        // only those run again.
        let again = starts.values.map { $0 - 1 }.reduce(0, +)
        #expect(again <= kills * 4 * 2, "\(again) steps ran again")
        // A step that ended and whose dependents began never ran again: every start of a step's need comes before
        // the step's first start (the runners followed one another, so the audit's order is the order of time).
        let order = root.auditEvents().filter { $0["event"] == "step.started" }.map {
            ($0["runId"]?.stringValue ?? "", $0["data"]?["step"]?.stringValue ?? "")
        }
        let needs = ["slow": ["start"], "maybe": ["start"], "join": ["slow", "maybe"]]
        for i in 0..<count {
            let run = order.enumerated().filter { $0.element.0 == "g-\(i)" }.map { ($0.offset, $0.element.1) }
            for (step, stepNeeds) in needs {
                guard let first = run.first(where: { $0.1 == step })?.0 else { continue }
                for need in stepNeeds {
                    let late = run.filter { $0.1 == need && $0.0 > first }
                    #expect(late.isEmpty, "g-\(i): '\(need)' ran again after '\(step)', which needs it, had begun")
                }
            }
        }
        #expect(starts.keys.filter { $0.hasSuffix("/tidy") }.isEmpty, "no onFailure step ran")
        let report = try AuditVerifier.verifyAll(layout: root.layout, fileSystem: PosixFileSystem())
        for problem in report.problems { #expect(problem.message.contains("torn last line"), "\(problem)") }
    }

    /// A fan-out over items: eight `delay` items (about 100 ms in all), three at a time, then a step that reads them.
    func itemsRequest(_ i: Int) -> String {
        RequestText.make(
            id: "f-\(i)",
            steps: [
                #"{"id": "start", "provider": "template", "with": {"template": "job \#(i)"}}"#,
                #"{"id": "each", "provider": "delay", "forEach": {"items": [9, 27, 12, 36, 18, 24, 15, \#(10 + i % 7)], "maxParallel": 3}, "with": {"ms": "{{item}}"}}"#,
                #"{"id": "join", "provider": "artifact", "with": {"name": "out.txt", "content": "n={{steps.each.output.7.waitedMs}}"}}"#,
            ])
    }

    @Test(arguments: ["fast", "strict"])
    func killNineMidForEachRunsNoItemThatEndedAgain(durability: String) async throws {
        let count = 40
        let root = try await Self.killRepeatedly(
            count: count, kills: 5, durability: durability, request: itemsRequest, test: "killNineMidForEachRunsNoItemThatEndedAgain", maxMs: 500)
        for i in 0..<count {
            let record = try #require(root.json("outbox/results/f-\(i).json"), "f-\(i) has no result")
            #expect(record["status"] == "succeeded", "f-\(i)")
            let each = record["steps"]?[1]
            #expect(each?["output"]?.arrayValue?.count == 8)
            #expect(each?["items"]?.arrayValue?.allSatisfy { $0["status"] == "succeeded" } == true)
            #expect(root.read("artifacts/f-\(i)/out.txt") == "n=\(10 + i % 7)")
        }
        // What ended and was written never runs again: once a runner has begun anything of a run after an item (or
        // step) succeeded, the batch checkpoint that holds that end is on disk, so it must not start again.
        let events = root.auditEvents().filter { $0["event"] == "step.started" || $0["event"] == "step.succeeded" }.map {
            (
                run: $0["runId"]?.stringValue ?? "", actor: $0["actor"]?.stringValue ?? "", event: $0["event"]?.stringValue ?? "",
                step: $0["data"]?["step"]?.stringValue ?? ""
            )
        }
        for i in 0..<count {
            let run = events.filter { $0.run == "f-\(i)" }
            for (p, done) in run.enumerated() where done.event == "step.succeeded" {
                guard let rerun = run.indices.first(where: { $0 > p && run[$0].event == "step.started" && run[$0].step == done.step }) else {
                    continue
                }
                let begunAfter = run[(p + 1)..<rerun].contains { $0.event == "step.started" && $0.actor == done.actor }
                #expect(!begunAfter, "f-\(i): '\(done.step)' ran again after its end was written")
            }
        }
        // The kills landed in the middle of runs (else this test proves nothing).
        #expect(root.auditEvents().contains { $0["event"] == "run.recovered" && $0["runId"]?.stringValue?.hasPrefix("f-") == true })
        let report = try AuditVerifier.verifyAll(layout: root.layout, fileSystem: PosixFileSystem())
        for problem in report.problems { #expect(problem.message.contains("torn last line"), "\(problem)") }
    }
}
