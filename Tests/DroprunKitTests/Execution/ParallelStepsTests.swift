import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

/// Steps of a graph whose needs are met run at the same time, up to `maxParallelSteps`, on a manual clock: a step
/// that sleeps 1000 ms beside others proves they are in flight together when all their sleeps wait at once.
@Suite(.timeLimit(.minutes(1))) struct ParallelStepsTests {
    /// A request of `steps` (after a first step `root` that all of them need), dropped into a fresh root.
    static func root(_ steps: [String], extra: String = "", id: String = "p1") throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        let first = #"{"id": "root", "provider": "echo", "with": {"n": 1}}"#
        let request = #"{"id": "\#(id)", "workflow": {"name": "p"\#(extra), "steps": [\#(([first] + steps).joined(separator: ", "))]}}"#
        try root.drop("\(id).json", request)
        return root
    }

    static func delay(_ id: String, ms: Int) -> String {
        #"{"id": "\#(id)", "provider": "delay", "needs": ["root"], "with": {"ms": \#(ms)}}"#
    }

    /// Starts `run --once` on `clock`; the task returns its summary.
    static func start(_ root: TemporaryRoot, clock: ManualClock) -> (EngineContext, Task<RunOnceSummary, any Error>) {
        let context = root.engine(clock: clock)
        return (context, Task { try await Runner(context: context).runOnce(grace: .zero) })
    }

    /// Waits (briefly, in real time) until each of `sleeps` is pending at once.
    static func waitForSleeps(_ sleeps: [Int], on clock: ManualClock) async -> Bool {
        for _ in 0..<20_000 {
            let pending = clock.pendingSleeps
            if sleeps.allSatisfy(pending.contains) { return true }
            try? await Task.sleep(for: .microseconds(500))
        }
        return false
    }

    static func step(_ record: JSONValue?, _ id: String) -> JSONValue? { record?["steps"]?.arrayValue?.first { $0["id"]?.stringValue == id } }

    @Test func stepsWhoseNeedsAreMetRunAtTheSameTimeAndSaySo() async throws {
        let root = try Self.root([Self.delay("a", ms: 1000), Self.delay("b", ms: 1001), Self.delay("c", ms: 1002)])
        let clock = ManualClock()
        let (context, task) = Self.start(root, clock: clock)
        defer { context.audit.close() }
        #expect(await Self.waitForSleeps([1000, 1001, 1002], on: clock), "the three are in flight together: \(clock.pendingSleeps)")
        // While they wait the live record shows the run, each step running.
        let live = root.json("outbox/running/p1.json")
        #expect(["a", "b", "c"].allSatisfy { Self.step(live, $0)?["status"] == "running" }, "\(String(describing: live))")
        clock.advance(by: .milliseconds(1002))
        let summary = try await task.value
        #expect(summary.count(.succeeded) == 1)
        let record = try #require(root.json("outbox/results/p1.json"))
        #expect(record["durationMs"] == 1002, "one delay's time, not three")
        #expect(Self.step(record, "a")?["beside"] == nil, "nothing was in flight as it began")
        #expect(Self.step(record, "b")?["beside"] == ["a"])
        #expect(Self.step(record, "c")?["beside"] == ["a", "b"])
        let started = root.auditEvents().filter { $0["event"] == "step.started" }
        #expect(started.map { $0["data"]?["beside"] } == [nil, nil, ["a"], ["a", "b"]])
        let show = await CLITester(root: root.path).run(["show", "p1"])
        #expect(show.stdout.contains("beside a, b"), "\(show.stdout)")
    }

    @Test func maxParallelStepsLimitsTheStepsInFlight() async throws {
        let root = try Self.root(
            [Self.delay("a", ms: 1000), Self.delay("b", ms: 1001), Self.delay("c", ms: 1002)], extra: #", "maxParallelSteps": 2"#)
        let clock = ManualClock()
        let (context, task) = Self.start(root, clock: clock)
        defer { context.audit.close() }
        #expect(await Self.waitForSleeps([1000, 1001], on: clock))
        // The batch that began a and b is written: c did not begin with them.
        #expect(root.auditEventNames(runId: "p1").filter { $0 == "step.started" }.count == 3, "root, a and b only")
        #expect(Self.step(root.json("outbox/running/p1.json"), "c")?["status"] == "pending")
        clock.advance(by: .milliseconds(1000))
        // a ended: c takes its place, its 1002 ms from now.
        #expect(await Self.waitForSleeps([1, 1002], on: clock), "\(clock.pendingSleeps)")
        clock.advance(by: .milliseconds(1002))
        _ = try await task.value
        let record = try #require(root.json("outbox/results/p1.json"))
        #expect(record["status"] == "succeeded")
        #expect(record["durationMs"] == 2002)
        #expect(Self.step(record, "c")?["beside"] == ["b"])
    }

    @Test func aLimitOfOneRunsTheGraphOneStepAtATime() async throws {
        let root = try Self.root([Self.delay("a", ms: 1000), Self.delay("b", ms: 1001)], extra: #", "maxParallelSteps": 1"#)
        let clock = ManualClock()
        let (context, task) = Self.start(root, clock: clock)
        defer { context.audit.close() }
        #expect(await Self.waitForSleeps([1000], on: clock))
        #expect(!clock.pendingSleeps.contains(1001))
        clock.advance(by: .milliseconds(1000))
        #expect(await Self.waitForSleeps([1001], on: clock))
        clock.advance(by: .milliseconds(1001))
        _ = try await task.value
        let record = try #require(root.json("outbox/results/p1.json"))
        #expect(record["durationMs"] == 2001)
        #expect(Self.step(record, "b")?["beside"] == nil)
    }

    /// A failure starts nothing more, lets the step in flight end (it is not cut short), then runs the onFailure steps.
    @Test func aFailureStartsNothingMoreAndLetsTheStepsInFlightEnd() async throws {
        let root = try Self.root(
            [
                #"{"id": "bad", "provider": "fail", "needs": ["root"], "with": {"code": "broken", "message": "no"}}"#,
                Self.delay("slow", ms: 1000),
                #"{"id": "later", "provider": "echo", "needs": ["root"], "with": {}}"#,
                #"{"id": "tidy", "provider": "echo", "with": {"why": "{{run.error.code}}"}}"#,
            ], extra: #", "maxParallelSteps": 2, "onFailure": ["tidy"]"#)
        let clock = ManualClock()
        let (context, task) = Self.start(root, clock: clock)
        defer { context.audit.close() }
        #expect(await Self.waitForSleeps([1000], on: clock))
        // bad's failure is applied (its event is written as it is) while slow still sleeps.
        var polls = 0
        while !root.auditEventNames(runId: "p1").contains("step.failed"), polls < 20_000 {
            polls += 1
            try await Task.sleep(for: .microseconds(500))
        }
        #expect(clock.pendingSleeps.contains(1000))
        clock.advance(by: .milliseconds(1000))
        _ = try await task.value
        let record = try #require(root.json("outbox/results/p1.json"))
        #expect(record["status"] == "failed")
        #expect(record["error"]?["code"] == "broken")
        #expect(Self.step(record, "slow")?["status"] == "succeeded", "the step in flight ended as it would")
        #expect(Self.step(record, "later")?["status"] == "skipped", "nothing more started after the failure")
        #expect(Self.step(record, "tidy")?["output"] == ["why": "broken"])
    }

    @Test func aCancelCutsShortEveryStepInFlight() async throws {
        let root = try Self.root([Self.delay("a", ms: 600_000), Self.delay("b", ms: 600_001)])
        let clock = ManualClock()
        let (context, task) = Self.start(root, clock: clock)
        defer { context.audit.close() }
        #expect(await Self.waitForSleeps([600_000, 600_001], on: clock))
        try root.write("outbox/cancels/p1.json", #"{"runId": "p1", "by": "ops"}"#)
        let summary = try await task.value
        #expect(summary.count(.cancelled) == 1)
        #expect(clock.now() == ManualClock().now(), "neither delay ended by itself")
        let record = try #require(root.json("outbox/results/p1.json"))
        #expect(Self.step(record, "a")?["error"]?["code"] == "cancelled")
        #expect(Self.step(record, "b")?["error"]?["code"] == "cancelled")
        #expect(Self.step(record, "root")?["status"] == "succeeded")
    }

    /// A stop interrupts every step in flight; their record is checkpointed, and the next pass runs only them again.
    @Test func aStopInterruptsTheStepsInFlightAndTheNextPassRunsOnlyThem() async throws {
        let root = try Self.root([Self.delay("a", ms: 20_000), Self.delay("b", ms: 20_001)])
        let clock = ManualClock()
        let (context, task) = Self.start(root, clock: clock)
        #expect(await Self.waitForSleeps([20_000, 20_001], on: clock))
        context.stop.stop()
        let summary = try await task.value
        context.audit.close()
        #expect(summary.stopped)
        let live = try #require(root.json("outbox/running/p1.json"))
        #expect(Self.step(live, "root")?["status"] == "succeeded")
        #expect(Self.step(live, "a")?["status"] == "pending")
        #expect(Self.step(live, "b")?["status"] == "pending")
        #expect(Self.step(live, "a")?["attempts"] == 1)
        // The next pass, on a clock whose sleeps end at once, runs a and b again, and root not.
        // Another runner (this one's identity would be taken for a run of its own in flight).
        let other = root.engine(identity: RunnerIdentity(host: "testhost", pid: 4343))
        let again = try await Runner(context: other).runOnce()
        other.audit.close()
        #expect(again.count(.succeeded) == 1)
        let record = try #require(root.json("outbox/results/p1.json"))
        #expect(Self.step(record, "a")?["attempts"] == 2)
        #expect(Self.step(record, "b")?["attempts"] == 2)
        let started = root.auditEvents().filter { $0["event"] == "step.started" }.compactMap { $0["data"]?["step"]?.stringValue }
        #expect(started.sorted() == ["a", "a", "b", "b", "root"])
    }

    /// A step retried after a backoff keeps its place among the steps in flight; the others go on meanwhile.
    @Test func aRetryWaitsItsBackoffBesideTheOthers() async throws {
        let root = try Self.root([
            #"{"id": "flaky", "provider": "fail", "needs": ["root"], "retry": {"maxAttempts": 2, "backoffMs": 300}, "with": {"retryable": true, "times": 1}}"#,
            Self.delay("slow", ms: 1000),
        ])
        let clock = ManualClock()
        let (context, task) = Self.start(root, clock: clock)
        defer { context.audit.close() }
        #expect(await Self.waitForSleeps([300, 1000], on: clock), "the backoff and the delay wait together: \(clock.pendingSleeps)")
        clock.advance(by: .milliseconds(300))
        #expect(await Self.waitForSleeps([700], on: clock), "the delay's last 700 ms: \(clock.pendingSleeps)")
        // The second attempt (it fails only once) has ended while slow sleeps on.
        var polls = 0
        while !root.auditEvents().contains(where: { $0["event"] == "step.succeeded" && $0["data"]?["step"] == "flaky" }), polls < 20_000 {
            polls += 1
            try await Task.sleep(for: .microseconds(500))
        }
        clock.advance(by: .milliseconds(700))
        _ = try await task.value
        let record = try #require(root.json("outbox/results/p1.json"))
        #expect(record["status"] == "succeeded", "\(record)")
        #expect(Self.step(record, "flaky")?["attempts"] == 2)
        #expect(Self.step(record, "flaky")?["beside"] == ["slow"], "its second attempt began while slow was in flight")
        #expect(record["durationMs"] == 1000)
    }

    /// An approval asked for beside a step in flight waits for that step to end; the run then waits, and goes on once approved.
    @Test func anApprovalBesideAStepWaitsForItThenTheRunWaits() async throws {
        let root = try Self.root([
            #"{"id": "ok", "provider": "approval", "needs": ["root"], "with": {"message": "go?"}}"#,
            Self.delay("slow", ms: 1000),
            #"{"id": "after", "provider": "echo", "needs": ["ok", "slow"], "with": {"d": "{{steps.ok.output.decision}}"}}"#,
        ])
        let clock = ManualClock()
        let (context, task) = Self.start(root, clock: clock)
        defer { context.audit.close() }
        #expect(await Self.waitForSleeps([1000], on: clock))
        #expect(root.json("outbox/running/p1.json")?["status"] == "running", "not waiting while slow is in flight")
        clock.advance(by: .milliseconds(1000))
        let summary = try await task.value
        #expect(summary.count(.succeeded) == 0)
        let waiting = try #require(root.json("outbox/running/p1.json"))
        #expect(waiting["status"] == "waiting_approval")
        #expect(Self.step(waiting, "slow")?["status"] == "succeeded")
        try root.drop("yes.json", #"{"kind": "approval", "runId": "p1", "decision": "approve", "by": "ops"}"#)
        let decided = try await root.runOnce()
        let record = try #require(
            root.json("outbox/results/p1.json"),
            "\(decided) \(root.list("outbox/rejected")) \(String(describing: root.json("outbox/running/p1.json")))")
        #expect(record["status"] == "succeeded", "\(record)")
        #expect(record["output"] == ["d": "approve"])
        #expect(root.auditEventNames(runId: "p1").filter { $0 == "step.started" }.count == 4, "slow did not run again")
    }
}
