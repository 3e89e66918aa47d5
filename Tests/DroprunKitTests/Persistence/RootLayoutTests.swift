import Foundation
import Testing

@testable import DroprunKit

/// `RootLayout` builds every name of a root's files: the names read back as what they were built from.
@Suite struct RootLayoutTests {
    let layout = RootLayout(root: "/r")
    let at = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: [(1, "x.json"), (2, "x.json~2"), (3, "x.json~3")])
    func claimNamesReadBackAsTheDroppedName(_ n: Int, _ name: String) {
        #expect(RootLayout.claimName("x.json", n) == name)
        #expect(RootLayout.claimedFileName(name) == "x.json")
    }

    @Test func aTakeoverRecordIsNoClaim() {
        let path = layout.takeoverRecord("r1", inClaimFolder: "h-1")
        #expect(path == "/r/outbox/claimed/h-1/r1.running.json~takeover")
        #expect(RootLayout.takeoverRunId(Path.name(path)) == "r1" && RootLayout.takeoverRunId("r1.json~2") == nil)
    }

    @Test func keptControlNames() {
        #expect(RootLayout.keptControlName("a.json", 1) == "a.json")
        #expect(RootLayout.keptControlName("a.json", 2) == "a~2.json")
        #expect(RootLayout.keptControlName("a", 3) == "a~3")
    }

    @Test func controlMessageNamesStartWithTheirPrefix() {
        let name = RootLayout.controlMessageName(runId: "r1", verb: .approve, at: at, pid: 7)
        #expect(name.hasPrefix(RootLayout.controlMessagePrefix(runId: "r1", verb: .approve)) && name.hasSuffix(".7.json"))
    }

    @Test func cancelMarkers() {
        #expect(layout.cancelMarker("r1") == "/r/outbox/cancels/r1.json")
        #expect(RootLayout.cancelMarkerRunId(Path.name(layout.cancelMarker("r1"))) == "r1")
        #expect(RootLayout.cancelMarkerRunId(".r1.json.tmp") == nil)
        #expect(RootLayout.cancelMarkerContent(runId: "r1", by: "al", at: at)["file"] == nil)
        #expect(RootLayout.cancelMarkerContent(runId: "r1", by: nil, at: at, file: "c.json")["file"] == "c.json")
        #expect(RootLayout.cancelMarkerContent(runId: "r1", by: nil, at: at)["by"] == .null)
    }

    @Test func heartbeatsAndDecisions() {
        #expect(layout.heartbeat("h-1") == "/r/outbox/runners/h-1.json")
        #expect(layout.decisionReservation("r1", step: "ok", requestedAt: at).hasPrefix("/r/outbox/decisions/r1~ok~"))
    }
}
