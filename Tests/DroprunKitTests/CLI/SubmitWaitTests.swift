import DroprunTestSupport
import Foundation
import Synchronization
import Testing

@testable import DroprunKit

/// `droprun submit FILE --wait`: a synchronous run for a script, woken by the folders the run moves through.
@Suite struct SubmitWaitTests {
    /// The waiting command's clock: its slow looks and its timeout happen only when the test moves it.
    let clock = ManualClock()

    func setUp() throws -> (TemporaryRoot, waiter: CLITester, runner: CLITester) {
        let root = try makeRoot()
        return (root, CLITester(root: root.path, clock: clock), CLITester(root: root.path, variables: ["USER": "alice"]))
    }

    /// Starts `submit` with `arguments` for the request `text` (as request.json), and waits until its drop is in the inbox.
    func submit(_ text: String, _ arguments: [String], root: TemporaryRoot, cli: CLITester) async throws -> Task<CLIResult, Never> {
        try root.write("request.json", text)
        let task = Task { await cli.run(["submit", "request.json"] + arguments) }
        // A wait, not a timing: under a full parallel run the submit task can start many seconds late.
        #expect(await eventually(60) { !root.list("inbox").filter { $0.hasSuffix(".json") }.isEmpty }, "the drop reached the inbox")
        return task
    }

    @Test func aRunThatSucceedsPrintsItsOutputAndExitsZero() async throws {
        let (root, waiter, runner) = try setUp()
        let task = try await submit(echoRequest(id: "w1", value: "hello"), ["--wait"], root: root, cli: waiter)
        #expect(await runner.run(["run", "--once"]).code == .success)
        let result = await task.value
        #expect(result.code == .success, "\(result.stderr)")
        #expect(try JSONParser.parse(result.stdout) == ["value": "hello"], "\(result.stdout)")
        #expect(result.stderr.contains("submitted w1; waiting for it to end"), "\(result.stderr)")
    }

    @Test func withJSONTheRecordIsPrinted() async throws {
        let (root, waiter, runner) = try setUp()
        let task = try await submit(echoRequest(id: "w2"), ["--wait", "--json"], root: root, cli: waiter)
        _ = await runner.run(["run", "--once"])
        let result = await task.value
        #expect(result.code == .success, "\(result.stderr)")
        let record = try JSONParser.parse(result.stdout)
        #expect(record["runId"] == "w2")
        #expect(record["status"] == "succeeded")
        #expect(record["output"] == ["value": "v"])
    }

    @Test func aRunThatFailsSaysWhyAndExitsOne() async throws {
        let (root, waiter, runner) = try setUp()
        let request = RequestText.make(
            id: "w3", steps: [#"{"id": "boom", "provider": "fail", "with": {"code": "broken_thing", "message": "it broke"}}"#])
        let task = try await submit(request, ["--wait"], root: root, cli: waiter)
        _ = await runner.run(["run", "--once"])
        let result = await task.value
        #expect(result.code == .failure)
        #expect(result.stdout.isEmpty, "no output for a failed run: \(result.stdout)")
        #expect(result.stderr.contains("w3 failed: broken_thing in step 'boom': it broke"), "\(result.stderr)")
    }

    @Test func aCancelledRunExitsOne() async throws {
        let (root, waiter, runner) = try setUp()
        let task = try await submit(echoRequest(id: "w4"), ["--wait"], root: root, cli: waiter)
        #expect(await runner.run(["cancel", "w4"]).code == .success)
        _ = await runner.run(["run", "--once"])
        let result = await task.value
        #expect(result.code == .failure)
        #expect(result.stderr.contains("w4 cancelled"), "\(result.stderr)")
    }

    @Test func aDropTheRunnerRejectsExitsOneWithTheReason() async throws {
        let (root, waiter, runner) = try setUp()
        // An earlier rejection of the same name is not this drop's.
        try root.write("outbox/rejected/w5.json", "old")
        try root.write("outbox/rejected/w5.json.error.json", #"{"file": "w5.json", "reason": "invalid_json", "errors": []}"#)
        let task = try await submit(echoRequest(id: "w5"), ["--wait"], root: root, cli: waiter)
        // Between submit and the runner, the file in the inbox is spoiled.
        try root.write("inbox/w5.json", "{ not json")
        _ = await runner.run(["run", "--once"])
        let result = await task.value
        #expect(result.code == .failure)
        #expect(result.stderr.contains("w5 was rejected (invalid_json)"), "\(result.stderr)")
        #expect(result.stderr.contains("outbox/rejected/w5~2.json.error.json"), "\(result.stderr)")
    }

    @Test func aRunWaitingForAnApprovalIsSaidAndWaitedOn() async throws {
        let (root, waiter, runner) = try setUp()
        let task = try await submit(RequestText.shipIt(id: "w6"), ["--wait", "--timeout", "600"], root: root, cli: waiter)
        _ = await runner.run(["run", "--once"])
        #expect(root.json("outbox/running/w6.json")?["status"] == "waiting_approval")
        // Still waiting: the approval is given and applied, and the run ends.
        #expect(await runner.run(["approve", "w6"]).code == .success)
        _ = await runner.run(["run", "--once"])
        let result = await task.value
        #expect(result.code == .success, "\(result.stderr)")
        #expect(try JSONParser.parse(result.stdout) == ["done": true])
    }

    @Test func theWaiterIsToldOnceWhenTheRunBeginsToWait() async throws {
        let (root, _, runner) = try setUp()
        try root.drop("w7.json", RequestText.shipIt(id: "w7"))
        let wait = RunEndWait(layout: root.layout, fileSystem: PosixFileSystem(), clock: clock, runId: "w7", inboxName: "w7.json")
        let told = Mutex<[String]>([])
        let task = Task { await wait.wait(timeout: nil) { record in told.withLock { $0.append(record.approval?.message ?? "") } } }
        _ = await runner.run(["run", "--once"])
        #expect(await eventually { !told.withLock { $0 }.isEmpty }, "told of the approval")
        // Later wakes (the slow look) do not say it again.
        clock.advance(by: .seconds(2))
        clock.advance(by: .seconds(2))
        _ = await runner.run(["reject", "w7"])
        _ = await runner.run(["run", "--once"])
        guard case .ended(let record) = await task.value else {
            Issue.record("the wait ended without the run's end")
            return
        }
        #expect(record.status == .failed)
        #expect(told.withLock { $0 } == ["ship it?"])
    }

    @Test func atTheTimeoutItSaysSoAndTheRunGoesOn() async throws {
        let (root, waiter, _) = try setUp()
        let task = try await submit(echoRequest(id: "w8"), ["--wait", "--timeout", "5"], root: root, cli: waiter)
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(2))
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(3))
        let result = await task.value
        #expect(result.code == .failure)
        #expect(result.stderr.contains("w8 did not end within 5 s"), "\(result.stderr)")
        #expect(result.stderr.contains("still in the inbox: no runner took it"), "\(result.stderr)")
        #expect(root.exists("inbox/w8.json"), "the run is not withdrawn")
    }

    @Test func aWaitingRunAtTheTimeoutIsNamedAsWaiting() async throws {
        let (root, waiter, runner) = try setUp()
        let task = try await submit(RequestText.shipIt(id: "w9"), ["--wait", "--timeout", "3"], root: root, cli: waiter)
        _ = await runner.run(["run", "--once"])
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(3))
        let result = await task.value
        #expect(result.code == .failure)
        #expect(result.stderr.contains("w9 is waiting for an approval: step 'ok' asks: ship it?"), "\(result.stderr)")
        #expect(result.stderr.contains("w9 did not end within 3 s (it waits for an approval)"), "\(result.stderr)")
    }

    @Test func aRunThatEndedBeforeTheWaitBeganIsSeenAtOnce() async throws {
        let (root, _, runner) = try setUp()
        try root.drop("w10.json", echoRequest(id: "w10"))
        _ = await runner.run(["run", "--once"])
        let wait = RunEndWait(layout: root.layout, fileSystem: PosixFileSystem(), clock: clock, runId: "w10", inboxName: "w10.json")
        guard case .ended(let record) = await wait.wait(timeout: nil, waiting: { _ in }) else {
            Issue.record("not seen as ended")
            return
        }
        #expect(record.status == .succeeded)
    }

    @Test(arguments: [
        (["--timeout", "5"], "--timeout is how long --wait waits"), (["--json"], "--json is the record --wait prints"),
        (["--wait", "--timeout", "0"], "timeout"),
    ])
    func optionsThatNeedWaitAreUsageErrors(_ arguments: [String], _ message: String) async throws {
        let (root, waiter, _) = try setUp()
        try root.write("request.json", echoRequest(id: "u1"))
        let result = await waiter.run(["submit", "request.json"] + arguments)
        #expect(result.code == .usage)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(root.list("inbox").filter { $0.hasSuffix(".json") }.isEmpty, "nothing was submitted")
    }

    @Test func waitingOnAControlMessageIsAUsageError() async throws {
        let (root, waiter, runner) = try setUp()
        try root.drop("r1.json", RequestText.shipIt(id: "r1"))
        _ = await runner.run(["run", "--once"])
        try root.write("approve.json", #"{"kind": "approval", "runId": "r1", "decision": "approve"}"#)
        let result = await waiter.run(["submit", "approve.json", "--wait"])
        #expect(result.code == .usage)
        #expect(result.stderr.contains("--wait waits for a run, and approve.json is a control message"), "\(result.stderr)")
        #expect(root.list("inbox").filter { $0.hasSuffix(".json") }.isEmpty, "nothing was submitted")
    }
}
