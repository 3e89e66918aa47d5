import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Decisions dropped by hand, under any name, are seen by `status` and refuse a second decision.
@Suite struct PendingDecisionTests {
    @Test func aDecisionDroppedByHandIsShownAndASecondIsRefused() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop("a2.json", RequestText.make(id: "a2", steps: [#"{"id": "ok", "provider": "approval", "with": {"message": "go?"}}"#]))
        let cli = CLITester(root: root.path, clock: InstantClock(), variables: ["USER": "alice"])
        _ = await cli.run(["run", "--once"])
        try root.drop("ap1.json", #"{"kind":"approval","runId":"a2","decision":"approve","by":"ann"}"#)
        // Another small file and a request mentioning the run are not taken for decisions.
        try root.drop("other.json", #"{"kind":"approval","runId":"a22","decision":"reject","by":"zed"}"#)
        let status = await cli.run(["status", "a2"])
        #expect(status.stdout.contains("approved by ann"), "\(status.stdout)")
        #expect(status.stdout.contains("inbox/ap1.json"), "\(status.stdout)")
        let second = await cli.run(["reject", "a2"])
        #expect(second.code == .failure, "\(second.stdout)")
        #expect(second.stderr.contains("approved by ann"), "\(second.stderr)")
    }

    @Test func aLargeInboxFileIsNotReadForDecisions() throws {
        let root = try TemporaryRoot()
        let padding = String(repeating: " ", count: PendingDecision.handDroppedLimit)
        try root.drop("big.json", #"{"kind":"approval","runId":"a2","decision":"approve"}"# + padding)
        #expect(PendingDecision.find("a2", layout: root.layout, fs: PosixFileSystem()) == nil)
    }
}
