import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

/// `forEach`: a step run once per item, each item checkpointed, its output the array of the items' outputs.
@Suite(.timeLimit(.minutes(1))) struct ForEachRunTests {
    static func drop(_ steps: [String], extra: String = "", input: String = "{}", id: String = "f1") throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        let request = #"{"id": "\#(id)", "workflow": {"name": "f"\#(extra), "steps": [\#(steps.joined(separator: ", "))]}, "input": \#(input)}"#
        try root.drop("\(id).json", request)
        return root
    }

    static func step(_ record: JSONValue?, _ id: String) -> JSONValue? { record?["steps"]?.arrayValue?.first { $0["id"]?.stringValue == id } }

    @Test func theFormsOfForEachDecode() throws {
        let decoder = RequestDecoder(configuration: .fastForTests, registry: .builtIn)
        let text = #"""
            {"workflow": {"name": "f", "steps": [
              {"id": "a", "provider": "echo", "forEach": [1, "two"], "with": {"v": "{{item}}", "i": "{{index}}"}},
              {"id": "b", "provider": "echo", "forEach": "{{input.list}}", "with": {"v": "{{item.name}}"}},
              {"id": "c", "provider": "echo", "forEach": {"items": "{{steps.a.output}}", "maxParallel": 2}, "with": {"v": "{{item.v}}"}}
            ]}}
            """#
        guard case .success(.run(let request, _)) = decoder.decode(Array(text.utf8), fileName: "r.json") else {
            Issue.record("refused: \(decoder.decode(Array(text.utf8), fileName: "r.json"))")
            return
        }
        #expect(request.workflow.steps[0].forEach == ForEachSpec(items: [1, "two"]))
        #expect(request.workflow.steps[1].forEach == ForEachSpec(items: "{{input.list}}"))
        #expect(request.workflow.steps[2].forEach == ForEachSpec(items: "{{steps.a.output}}", maxParallel: 2))
        #expect(!request.workflow.isLine, "a forEach step runs by the graph")
    }

    @Test func aStepRunsOncePerItemAndItsOutputIsTheArrayOfTheirs() async throws {
        let root = try Self.drop(
            [
                #"{"id": "list", "provider": "echo", "with": {"docs": [{"name": "a.txt"}, {"name": "b.txt"}, {"name": "c.txt"}]}}"#,
                #"{"id": "each", "provider": "echo", "forEach": "{{steps.list.output.docs}}", "with": {"doc": "{{item.name}}", "at": "{{index}}", "run": "{{run.id}}"}}"#,
                #"{"id": "after", "provider": "echo", "with": {"second": "{{steps.each.output.1.doc}}"}}"#,
            ])
        _ = try await root.runOnce()
        let record = try #require(root.json("outbox/results/f1.json"))
        #expect(record["status"] == "succeeded", "\(record)")
        let each = try #require(Self.step(record, "each"))
        #expect(
            each["output"] == [
                ["doc": "a.txt", "at": 0, "run": "f1"], ["doc": "b.txt", "at": 1, "run": "f1"], ["doc": "c.txt", "at": 2, "run": "f1"],
            ])
        #expect(each["attempts"] == 1)
        let items = try #require(each["items"]?.arrayValue)
        #expect(items.map { $0["id"] } == ["each[0]", "each[1]", "each[2]"])
        #expect(items.allSatisfy { $0["status"] == "succeeded" && $0["attempts"] == 1 && $0["output"] == nil }, "outputs are not kept twice")
        #expect(record["output"] == ["second": "b.txt"])
        let started = root.auditEvents().filter { $0["event"] == "step.started" }.compactMap { $0["data"]?["step"]?.stringValue }
        #expect(started.sorted() == ["after", "each", "each[0]", "each[1]", "each[2]", "list"])
        let show = await CLITester(root: root.path).run(["show", "f1"])
        #expect(show.stdout.contains("3 items: 3 succeeded"), "\(show.stdout)")
    }

    @Test func moreItemsThanAStepRunsOverAreRefusedAtTheDrop() throws {
        let decoder = RequestDecoder(configuration: .fastForTests, registry: .builtIn)
        let items = (0...10_000).map(String.init).joined(separator: ",")
        let text = #"{"workflow": {"name": "f", "steps": [{"id": "a", "provider": "echo", "forEach": [\#(items)]}]}}"#
        guard case .failure(let rejection) = decoder.decode(Array(text.utf8), fileName: "r.json") else {
            Issue.record("accepted")
            return
        }
        let issues = rejection.issues.map(\.description).joined(separator: "\n")
        #expect(issues.contains("$.workflow.steps[0].forEach: at most 10000 items, found 10001"), "\(issues)")
    }

    @Test func noItemsSucceedAtOnceWithAnEmptyArray() async throws {
        let root = try Self.drop(
            [#"{"id": "each", "provider": "echo", "forEach": "{{input.list}}", "with": {"v": "{{item}}"}}"#], input: #"{"list": []}"#)
        _ = try await root.runOnce()
        let record = try #require(root.json("outbox/results/f1.json"))
        #expect(record["status"] == "succeeded")
        #expect(Self.step(record, "each")?["output"] == [])
    }

    @Test(arguments: [
        (#"{"list": {"a": 1}}"#, "invalid_input", #"forEach: "{{input.list}}" is an object {"a":1}, not an array of items"#),
        (#"{}"#, "missing_reference", "names nothing"),
        (
            #"{"list": ["# + (0...10_000).map(String.init).joined(separator: ",") + "]}", "invalid_input",
            "has 10001 items; a step runs over at most 10000"
        ),
    ])
    func itemsThatAreNotAnArrayFailTheStep(_ input: String, _ code: String, _ words: String) async throws {
        let root = try Self.drop([#"{"id": "each", "provider": "echo", "forEach": "{{input.list}}", "with": {"v": "{{item}}"}}"#], input: input)
        _ = try await root.runOnce()
        let record = try #require(root.json("outbox/results/f1.json"))
        #expect(record["status"] == "failed")
        #expect(record["error"]?["code"]?.stringValue == code)
        #expect(record["error"]?["message"]?.stringValue?.contains(words) == true, "\(record)")
    }

    /// An item that fails for good fails the step with its failure; the run's onFailure steps see it.
    @Test func aFailingItemFailsTheStep() async throws {
        let root = try Self.drop(
            [
                #"{"id": "each", "provider": "fail", "forEach": [1, 2, 3], "with": {"code": "bad_item", "message": "item {{item}} is bad"}}"#,
                #"{"id": "tell", "provider": "echo", "with": {"why": "{{run.error.message}}"}}"#,
            ], extra: #", "onFailure": ["tell"], "maxParallelSteps": 1"#)
        _ = try await root.runOnce()
        let record = try #require(root.json("outbox/results/f1.json"))
        #expect(record["status"] == "failed")
        #expect(record["error"]?["code"] == "bad_item")
        #expect(record["error"]?["message"] == "item 0: item 1 is bad")
        let items = try #require(Self.step(record, "each")?["items"]?.arrayValue)
        #expect(items.map { $0["status"]?.stringValue ?? "" } == ["failed", "pending", "pending"], "no more items start after one failed")
        #expect(Self.step(record, "tell")?["output"] == ["why": "item 0: item 1 is bad"])
    }

    /// Items retry on their own, with the step's retry.
    @Test func eachItemRetriesOnItsOwn() async throws {
        let root = try Self.drop([
            #"{"id": "each", "provider": "fail", "forEach": ["x", "y"], "retry": {"maxAttempts": 3, "backoffMs": 10}, "with": {"retryable": true, "times": 2}}"#
        ])
        _ = try await root.runOnce()
        let record = try #require(root.json("outbox/results/f1.json"))
        #expect(record["status"] == "succeeded", "\(record)")
        let items = try #require(Self.step(record, "each")?["items"]?.arrayValue)
        #expect(items.map { $0["attempts"] } == [3, 3])
        #expect(Self.step(record, "each")?["output"] == [["attempt": 3], ["attempt": 3]])
    }

    /// At most `maxParallel` items at once (on a manual clock: the sleeps pending at once are the items in flight).
    @Test func maxParallelLimitsTheItemsInFlight() async throws {
        let root = try Self.drop(
            [#"{"id": "each", "provider": "delay", "forEach": {"items": [1000, 1001, 1002], "maxParallel": 2}, "with": {"ms": "{{item}}"}}"#])
        let clock = ManualClock()
        let context = root.engine(clock: clock)
        defer { context.audit.close() }
        let task = Task { try await Runner(context: context).runOnce(grace: .zero) }
        #expect(await ParallelStepsTests.waitForSleeps([1000, 1001], on: clock))
        #expect(!clock.pendingSleeps.contains(1002))
        let live = try #require(root.json("outbox/running/f1.json"))
        #expect(Self.step(live, "each")?["items"]?.arrayValue?.map { $0["status"]?.stringValue ?? "" } == ["running", "running", "pending"])
        clock.advance(by: .milliseconds(1000))
        #expect(await ParallelStepsTests.waitForSleeps([1, 1002], on: clock), "\(clock.pendingSleeps)")
        clock.advance(by: .milliseconds(1002))
        _ = try await task.value
        let record = try #require(root.json("outbox/results/f1.json"))
        #expect(Self.step(record, "each")?["output"] == [["waitedMs": 1000], ["waitedMs": 1001], ["waitedMs": 1002]])
        #expect(Self.step(record, "each")?["items"]?[2]?["beside"] == ["each[1]"])
    }

    /// A stop interrupts the items in flight; the next runner runs those again, and not the items that ended.
    @Test func aStopKeepsTheItemsThatEndedAndTheNextRunnerRunsTheRest() async throws {
        let root = try Self.drop([
            #"{"id": "each", "provider": "delay", "forEach": {"items": [5, 20000, 20001], "maxParallel": 3}, "with": {"ms": "{{item}}"}}"#
        ])
        let clock = ManualClock()
        let context = root.engine(clock: clock)
        let task = Task { try await Runner(context: context).runOnce(grace: .zero) }
        #expect(await ParallelStepsTests.waitForSleeps([5, 20_000, 20_001], on: clock))
        clock.advance(by: .milliseconds(5))
        // The first item's end is written (the checkpoint log) while the others sleep on.
        var polls = 0
        while !root.auditEvents().contains(where: { $0["event"] == "step.succeeded" && $0["data"]?["step"] == "each[0]" }), polls < 20_000 {
            polls += 1
            try await Task.sleep(for: .microseconds(500))
        }
        context.stop.stop()
        _ = try await task.value
        context.audit.close()
        let live = try #require(root.json("outbox/running/f1.json"))
        #expect(Self.step(live, "each")?["status"] == "pending")
        #expect(Self.step(live, "each")?["items"]?.arrayValue?.map { $0["status"]?.stringValue ?? "" } == ["succeeded", "pending", "pending"])
        let other = root.engine(identity: RunnerIdentity(host: "testhost", pid: 4343))
        let again = try await Runner(context: other).runOnce()
        other.audit.close()
        #expect(again.count(.succeeded) == 1)
        let record = try #require(root.json("outbox/results/f1.json"))
        #expect(Self.step(record, "each")?["output"] == [["waitedMs": 5], ["waitedMs": 20000], ["waitedMs": 20001]])
        #expect(Self.step(record, "each")?["items"]?.arrayValue?.map { $0["attempts"] } == [1, 2, 2], "the item that ended did not run again")
    }

    @Test func aCancelCutsTheItemsInFlightShort() async throws {
        let root = try Self.drop([#"{"id": "each", "provider": "delay", "forEach": [600000, 600001], "with": {"ms": "{{item}}"}}"#])
        let clock = ManualClock()
        let context = root.engine(clock: clock)
        defer { context.audit.close() }
        let task = Task { try await Runner(context: context).runOnce(grace: .zero) }
        #expect(await ParallelStepsTests.waitForSleeps([600_000, 600_001], on: clock))
        try root.write("outbox/cancels/f1.json", #"{"runId": "f1", "by": "ops"}"#)
        let summary = try await task.value
        #expect(summary.count(.cancelled) == 1)
        let record = try #require(root.json("outbox/results/f1.json"))
        #expect(Self.step(record, "each")?["error"]?["code"] == "cancelled")
        #expect(Self.step(record, "each")?["items"]?.arrayValue?.map { $0["error"]?["code"] } == ["cancelled", "cancelled"])
    }

    /// Another step's failure stops a forEach step whose items had not all started (`stopped_by_failure`).
    @Test func anotherStepsFailureStopsTheItemsNotYetStarted() async throws {
        let root = try Self.drop(
            [
                #"{"id": "root", "provider": "echo", "with": {}}"#,
                #"{"id": "each", "provider": "delay", "needs": ["root"], "forEach": {"items": [1000, 1001, 1002], "maxParallel": 1}, "with": {"ms": "{{item}}"}}"#,
                #"{"id": "bad", "provider": "fail", "needs": ["root"], "with": {"code": "broken"}}"#,
            ])
        _ = try await root.runOnce()
        let record = try #require(root.json("outbox/results/f1.json"))
        #expect(record["error"]?["code"] == "broken")
        let each = try #require(Self.step(record, "each"))
        #expect(each["error"]?["code"] == "stopped_by_failure", "\(each)")
        #expect(each["error"]?["message"]?.stringValue?.contains("another step of the run failed ('bad'); 1 of 3 items had ended") == true, "\(each)")
    }
}
