import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Item 8: what the commands say and allow about a run waiting for an approval.
@Suite struct ApprovalCommandTests {
    static let start = WaitingApproval.start

    func waiting(expires: Int? = nil) async throws -> (TemporaryRoot, CLITester) { try await WaitingApproval.root(expires: expires) }

    @Test func aDroppedApprovalIsShownAndASecondDecisionIsRefused() async throws {
        let (root, cli) = try await waiting()
        let first = await cli.run(["approve", "r1"])
        #expect(first.code == .success, "\(first.stderr)")
        let status = await cli.run(["status", "r1"])
        #expect(status.stdout.contains("approved by alice"), "\(status.stdout)")
        #expect(status.stdout.contains("resumes on the next runner"), "\(status.stdout)")
        #expect(!status.stdout.contains("answer with"), "\(status.stdout)")
        let json = try JSONParser.parse(await cli.run(["status", "r1", "--json"]).stdout)
        #expect(json["decision"]?["decision"] == "approve")
        #expect(json["decision"]?["by"] == "alice")
        let show = await cli.run(["show", "r1"])
        #expect(show.stdout.contains("approved by alice"), "\(show.stdout)")
        for verb in ["approve", "reject"] {
            let second = await cli.run([verb, "r1"])
            #expect(second.code == .failure, "\(verb): \(second.stdout)")
            #expect(second.stderr.contains("already has a decision waiting to be applied"), "\(verb): \(second.stderr)")
        }
        #expect(root.list("inbox").count == 1, "\(root.list("inbox"))")
        // The one decision is applied and the run finishes; run --once exits 0 (nothing rejected).
        let ran = await cli.run(["run", "--once"])
        #expect(ran.code == .success, "\(ran.stdout)")
        #expect(root.json("outbox/results/r1.json")?["status"] == "succeeded")
    }

    @Test(arguments: ["approve", "reject"])
    func aDecisionAfterAPendingCancelIsRefused(_ verb: String) async throws {
        let (root, cli) = try await waiting()
        #expect(await cli.run(["cancel", "r1"]).code == .success)
        let decision = await cli.run([verb, "r1"])
        #expect(decision.code == .failure, "\(decision.stdout)")
        #expect(decision.stderr.contains("has a cancel waiting to be applied"), "\(decision.stderr)")
        #expect(root.list("inbox").count == 1, "only the cancel was dropped: \(root.list("inbox"))")
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/results/r1.json")?["status"] == "cancelled")
        #expect(root.list("outbox/rejected").isEmpty, "\(root.list("outbox/rejected"))")
    }

    @Test func aWaitingApprovalStepShowsAsWaiting() async throws {
        let (root, cli) = try await waiting()
        defer { withExtendedLifetime(root) {} }
        let show = await cli.run(["show", "r1"])
        let line = try #require(show.stdout.split(separator: "\n").first { $0.contains("ok") && $0.contains("approval") })
        #expect(line.contains("waiting"), "\(line)")
        #expect(!line.contains("running") && !line.contains("attempt"), "\(line)")
    }

    /// The expiry as seen by a reader an hour later (the runner has not looked yet).
    @Test(arguments: [["status", "r1"], ["show", "r1"]])
    func afterItsExpiryTheApprovalIsNotOfferedForAnAnswer(_ arguments: [String]) async throws {
        let (root, _) = try await waiting(expires: 60)
        let later = CLITester(root: root.path, clock: InstantClock(start: Self.start.addingTimeInterval(3600)))
        let result = await later.run(arguments)
        #expect(result.stdout.contains("expired"), "\(result.stdout)")
        #expect(result.stdout.contains("approval_expired"), "\(result.stdout)")
        #expect(!result.stdout.contains("answer with"), "\(result.stdout)")
        let approve = await later.run(["approve", "r1"])
        #expect(approve.code == .failure)
        #expect(approve.stderr.contains("expired"), "\(approve.stderr)")
        // Before the expiry, the same run is offered for an answer.
        let before = await CLITester(root: root.path, clock: InstantClock(start: Self.start.addingTimeInterval(10))).run(arguments)
        #expect(before.stdout.contains("answer with"), "\(before.stdout)")
    }

    @Test(arguments: ["approval", "cancel"])
    func submitOfAControlMessageForAnUnknownRunExitsOneLikeApprove(_ kind: String) async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        let body = kind == "approval" ? #"{"kind": "approval", "runId": "ghost", "decision": "approve"}"# : #"{"kind": "cancel", "runId": "ghost"}"#
        try root.write("msg.json", body)
        let cli = CLITester(root: root.path)
        let submitted = await cli.run(["submit", "msg.json"])
        let direct = await cli.run([kind == "approval" ? "approve" : "cancel", "ghost"])
        #expect(submitted.code == .failure, "\(submitted.stdout)")
        #expect(submitted.code == direct.code)
        #expect(submitted.stderr.contains("no run 'ghost'"), "\(submitted.stderr)")
        #expect(root.list("inbox").isEmpty)
    }
}
