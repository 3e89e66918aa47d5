import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// The reproductions of item 4 with the built binary: approval at the deepest, and `kill -9` during a later step.
@Suite(.serialized) struct RecordDepthBinaryTests {
    /// `levels` nested arrays around a string: `[[["deep"]]]`.
    static func nested(_ levels: Int) -> String {
        String(repeating: "[", count: levels) + #""deep""# + String(repeating: "]", count: levels)
    }

    /// The deepest `input.v` a request admits: the request's object and `input` are two levels of the 64.
    static let deepest = JSONParser.defaultMaxDepth - 2

    /// A request whose input nests `levels` arrays deep, echoed, then followed by `then` (step JSON texts).
    static func request(id: String, levels: Int = deepest, then: [String]) -> String {
        RequestText.make(
            id: id, steps: [#"{"id":"e","provider":"echo","with":{"v":"{{input.v}}"}}"#] + then,
            input: #"{"v": \#(nested(levels))}"#)
    }

    static let approval = #"{"id":"ok","provider":"approval","with":{"message":"go?"}}"#

    @Test func approvalAtTheDeepestThenApproveSucceeds() async throws {
        let root = try TemporaryRoot()
        try root.drop("deep.json", Self.request(id: "deep", then: [Self.approval]))
        let first = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path) }
        #expect(first.stdout.contains("waiting   deep"), "\(first)")
        for command in [["status", "deep"], ["show", "deep"], ["artifacts", "deep"]] {
            let read = try await blockingWork { try BuiltBinary.run(command, root: root.path) }
            #expect(read.code == 0, "\(command): \(read)")
        }
        let list = try await blockingWork { try BuiltBinary.run(["list"], root: root.path) }
        #expect(list.stdout.contains("deep"), "\(list)")
        let approve = try await blockingWork { try BuiltBinary.run(["approve", "deep", "--by", "ada"], root: root.path) }
        #expect(approve.code == 0, "\(approve)")
        let second = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path) }
        #expect(second.code == 0, "\(second)")
        #expect(root.json("outbox/results/deep.json")?["status"] == "succeeded", "\(second)")
        #expect(second.stderr.isEmpty, "\(second.stderr)")
    }

    @Test func killedDuringALaterStepTheNextRunnerFinishesIt() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"leaseSeconds": 1}"#)
        try root.drop("deep.json", Self.request(id: "deep", then: [#"{"id":"d","provider":"delay","with":{"ms":3000}}"#]))
        let runner = try BuiltBinary.start(["watch"], root: root.path)
        let deadline = Date().addingTimeInterval(30)
        // The record is published, with the echo's output, before the delay step begins.
        while root.json("outbox/running/deep.json")?["steps"]?[0]?["status"] != "succeeded", Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(root.json("outbox/running/deep.json")?["steps"]?[0]?["status"] == "succeeded", "the delay step began")
        #expect(!root.exists("outbox/results/deep.json"))
        kill(runner.processIdentifier, SIGKILL)
        _ = try? await blockingWork { try runner.wait(timeout: 10) }
        let next = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path) }
        #expect(next.code == 0, "\(next)")
        #expect(next.stdout.contains("1 run: 1 succeeded"), "\(next)")
        #expect(root.json("outbox/results/deep.json")?["status"] == "succeeded")
        #expect(root.list("outbox/running").filter { !$0.hasPrefix(".") }.isEmpty)
    }
}
