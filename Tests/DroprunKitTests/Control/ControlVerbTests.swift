import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The control verb: its word, which verbs decide an approval, and the control-file names built from it.
@Suite struct ControlVerbTests {
    @Test(arguments: [
        (ControlMessage.Action.approval(approve: true, by: nil, note: nil), ControlVerb.approve),
        (.approval(approve: false, by: "a", note: "n"), .reject),
        (.cancel(by: nil), .cancel),
    ])
    func aMessagesVerbIsWhatItAsks(_ action: ControlMessage.Action, _ verb: ControlVerb) {
        #expect(ControlMessage(runId: "r", action: action).verb == verb)
        #expect(verb.isDecision == (verb != .cancel))
        #expect("\(verb)" == verb.rawValue)
    }

    @Test func theWordsAreTheCommandNames() {
        #expect(ControlVerb.allCases.map(\.rawValue) == ["approve", "reject", "cancel"])
        #expect(ControlVerb.decisions == [.approve, .reject])
        #expect(ControlVerb(approve: true) == .approve && ControlVerb(approve: false) == .reject)
        for verb in ControlVerb.allCases { #expect(CommandTable.handler(for: [verb.rawValue]) != nil, "no command \(verb)") }
    }

    @Test func controlFileNamesCarryTheRunVerbTimeAndPid() throws {
        let time = try #require(Timestamp.parse("2026-01-02T03:04:05.678Z"))
        let name = RootLayout.controlMessageName(runId: "r1", verb: .reject, at: time, pid: 42)
        #expect(name == "r1.reject.\(Timestamp.compact(time)).42.json")
        #expect(RootLayout.controlMessageName(runId: "r1", verb: .cancel, at: time) == "r1.cancel.\(Timestamp.compact(time)).json")
        #expect(name.hasPrefix(RootLayout.controlMessagePrefix(runId: "r1", verb: .reject)))
        #expect(!name.hasPrefix(RootLayout.controlMessagePrefix(runId: "r", verb: .reject)))
    }

    @Test(arguments: ControlVerb.decisions)
    func aDecisionDroppedByTheCommandIsFoundPendingWithItsVerb(_ verb: ControlVerb) async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop("w.json", RequestText.make(id: "w", steps: [#"{"id": "ok", "provider": "approval", "with": {"message": "go?"}}"#]))
        _ = try await root.runOnce()
        let dropped = await CLITester(root: root.path).run([verb.rawValue, "w"])
        #expect(dropped.code == .success, "\(dropped.stderr)")
        let pending = try #require(PendingDecision.find("w", layout: RootLayout(root: root.path), fs: PosixFileSystem()))
        #expect(pending.approve == (verb == .approve))
        #expect(Path.name(pending.path).hasPrefix(RootLayout.controlMessagePrefix(runId: "w", verb: verb)))
    }
}
