import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// One decision per wait: of `droprun approve r & droprun reject r` at the same moment exactly one is accepted, the
/// other refused at once naming the first; a second decision that reaches a runner anyway says the run was decided.
@Suite(.serialized) struct DecisionReservationTests {
    /// A second decision dropped by hand past the check reaches the runner: its rejection says the run was decided, by whom.
    @Test func aSecondDecisionAppliedByTheRunnerSaysTheRunWasAlreadyDecided() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop("r1.json", RequestText.shipIt(id: "r1"))
        let cli = CLITester(root: root.path, clock: InstantClock(), variables: ["USER": "alice"])
        _ = await cli.run(["run", "--once"])
        #expect(await cli.run(["approve", "r1"]).code == .success)
        try root.drop("zz-hand.json", #"{"kind": "approval", "runId": "r1", "decision": "reject", "by": "bob"}"#)
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/results/r1.json")?["status"] == "succeeded")
        let error = try #require(root.json("outbox/rejected/zz-hand.json.error.json"))
        #expect(error["reason"] == "invalid_state")
        let message = error["errors"]?[0]?["message"]?.stringValue ?? ""
        #expect(message.contains("was already decided (approved by alice at step 'ok')"), "\(message)")
    }
}
