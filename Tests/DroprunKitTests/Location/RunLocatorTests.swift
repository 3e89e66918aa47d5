import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `RunLocator`: one case per place a run can be, and the moments in which it is in two.
@Suite struct RunLocatorTests {
    let at = Date(timeIntervalSince1970: 1_800_000_000)

    func record(_ runId: String, _ status: RunStatus, runnerId: String? = nil) -> String {
        var record = RunRecord(
            runId: runId, workflow: Workflow(name: "w", version: "1", steps: [StepDefinition(id: "a", provider: "echo")]),
            requestFile: runId + ".json",
            requestSHA256: "", requestSize: 2, receivedAt: at, createdAt: at)
        record.runnerId = runnerId
        record.runner = runnerId.map { _ in "otherhost:7" }
        guard case .object(var json) = record.json else { return "" }
        json["status"] = .string(status.rawValue)
        if status.isFinal { json["finishedAt"] = .string(Timestamp.format(at)) }
        return String(decoding: JSONWriter.prettyBytes(.object(json)), as: UTF8.self)
    }

    func locate(_ root: TemporaryRoot, _ runId: String = "r", deep: Bool = true) -> RunLocation {
        RunLocator(layout: root.layout, fileSystem: PosixFileSystem()).locate(runId, deep: deep)
    }

    @Test func aResult() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/results/r.json", record("r", .succeeded))
        guard case .result(let found, let path) = locate(root) else { Issue.record("\(locate(root))"); return }
        #expect(found.status == .succeeded && path == root.file("outbox/results/r.json"))
    }

    @Test(arguments: [RunStatus.queued, .running, .waitingApproval])
    func aLiveRecord(_ status: RunStatus) throws {
        let root = try TemporaryRoot()
        try root.write("outbox/running/r.json", record("r", status, runnerId: "otherhost-7"))
        guard case .live(let found, _, let holder) = locate(root) else { Issue.record("\(locate(root))"); return }
        #expect(found.status == status && holder == "otherhost-7")
    }

    @Test func aReleasedLiveRecordHasNoHolder() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/running/r.json", record("r", .queued))
        guard case .live(_, _, let holder) = locate(root) else { Issue.record("\(locate(root))"); return }
        #expect(holder == nil)
    }

    @Test func aRecordBeingTakenOver() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/requests/r.json", "{}")
        try root.write("outbox/claimed/otherhost-7/r" + RootLayout.takeoverSuffix, record("r", .running, runnerId: "otherhost-7"))
        guard case .beingTakenOver(let found, _, let by) = locate(root) else { Issue.record("\(locate(root))"); return }
        #expect(found.status == .running && by == "otherhost-7")
    }

    @Test func aCheckpointLogLine() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/requests/r.json", "{}")
        try root.write("outbox/claimed/otherhost-7/r.json", "{}")
        let line = "{\"claim\":\"r.json\",\"record\":" + record("r", .running, runnerId: "otherhost-7").filter { $0 != "\n" } + "}\n"
        try root.write("outbox/checkpoints/otherhost-7/" + CheckpointLog.segmentName(1), line)
        guard case .checkpointed(let held, let runner) = locate(root) else { Issue.record("\(locate(root))"); return }
        #expect(held.status == .running && held.owner == "otherhost-7" && runner == "otherhost-7")
    }

    /// Shallow, a run being taken over or checkpointed is found by its kept request, and a claim is not looked for:
    /// no claim folder is listed and no checkpoint log read.
    @Test(arguments: ["takeover", "checkpoint", "claim"])
    func aShallowLookAsksNoScan(_ place: String) throws {
        let root = try TemporaryRoot()
        switch place {
        case "takeover":
            try root.write("outbox/requests/r.json", "{}")
            try root.write("outbox/claimed/otherhost-7/r" + RootLayout.takeoverSuffix, record("r", .running, runnerId: "otherhost-7"))
        case "checkpoint":
            try root.write("outbox/requests/r.json", "{}")
            let line = "{\"claim\":\"r.json\",\"record\":" + record("r", .running, runnerId: "otherhost-7").filter { $0 != "\n" } + "}\n"
            try root.write("outbox/checkpoints/otherhost-7/" + CheckpointLog.segmentName(1), line)
        default:
            try root.write("outbox/claimed/otherhost-7/r.json", "{}")
        }
        let fs = FaultyFileSystem()
        let found = RunLocator(layout: root.layout, fileSystem: fs).locate("r", deep: false)
        switch (place, found) {
        case ("claim", .unknown): break
        case (_, .accepted(let path)) where place != "claim": #expect(path == root.file("outbox/requests/r.json"))
        default: Issue.record("\(place): \(found)")
        }
        #expect(!fs.operations.contains { $0.hasPrefix("list") || $0.contains("/outbox/checkpoints") }, "\(fs.operations)")
    }

    @Test func anUnreadableRecord() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/running/r.json", "{not json")
        guard case .unreadable(let path, let reason) = locate(root) else { Issue.record("\(locate(root))"); return }
        #expect(path == root.file("outbox/running/r.json") && reason.contains("not valid JSON"))
    }

    @Test func anAcceptedRequest() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/requests/r.json", "{}")
        guard case .accepted(let path) = locate(root) else { Issue.record("\(locate(root))"); return }
        #expect(path == root.file("outbox/requests/r.json"))
    }

    @Test func aClaim() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/claimed/otherhost-7/r.json~2", "{}")
        guard case .claimed(let path, let by) = locate(root) else { Issue.record("\(locate(root))"); return }
        #expect(path == root.file("outbox/claimed/otherhost-7/r.json~2") && by == "otherhost-7")
    }

    @Test func anInboxFile() throws {
        let root = try TemporaryRoot()
        try root.drop("r.json", "{}")
        guard case .inbox(let path) = locate(root) else { Issue.record("\(locate(root))"); return }
        #expect(path == root.file("inbox/r.json"))
    }

    @Test func aRejectedDrop() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/rejected/r.json", "{")
        try root.write("outbox/rejected/r.json.error.json", #"{"file":"r.json","reason":"invalid_json","rejectedAs":"r.json","errors":[]}"#)
        let locator = RunLocator(layout: root.layout, fileSystem: PosixFileSystem())
        #expect({ if case .unknown = locator.locate("r", deep: true) { true } else { false } }(), "a rejection is found by the file's name")
        guard case .rejected(let drop)? = locator.rejection(fileNames: ["r.json"], runIds: ["r"]) else { Issue.record("no rejection"); return }
        #expect(drop.rejectedAs == "r.json")
    }

    @Test func nowhere() throws {
        let root = try TemporaryRoot()
        guard case .unknown = locate(root) else { Issue.record("\(locate(root))"); return }
    }

    // MARK: Two places at once

    /// The record replaced the claim a moment ago (or the runner died before removing the claim): the record is the answer.
    @Test func aClaimAndALiveRecord() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/claimed/otherhost-7/r.json", "{}")
        try root.write("outbox/running/r.json", record("r", .running, runnerId: "otherhost-7"))
        guard case .live = locate(root) else { Issue.record("\(locate(root))"); return }
        let locator = RunLocator(layout: root.layout, fileSystem: PosixFileSystem())
        #expect(locator.isRecorded("r"))
    }

    /// Between a result's link and the live record's removal (or a runner killed there): the result is the answer.
    @Test func aResultBesideAStaleLiveRecord() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/running/r.json", record("r", .running, runnerId: "otherhost-7"))
        try root.write("outbox/results/r.json", record("r", .failed, runnerId: "otherhost-7"))
        guard case .result(let found, _) = locate(root) else { Issue.record("\(locate(root))"); return }
        #expect(found.status == .failed)
    }

    /// A record naming a dead runner is still where it is, held by that runner: the takeover policy says it is free.
    @Test func aRecordNamingADeadOwner() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/running/r.json", record("r", .running, runnerId: "deadhost-9"))
        guard case .live(_, let path, let holder) = locate(root) else { Issue.record("\(locate(root))"); return }
        #expect(holder == "deadhost-9")
        let held = try #require(try RunLocator(layout: root.layout, fileSystem: PosixFileSystem()).held(at: path))
        #expect(TakeoverPolicy(me: "testhost-4242", now: at, isDead: { _ in true }).shouldTakeOver(held))
    }

    // MARK: Light queries

    /// Admission asks `hasResult` for every request: one `stat`, nothing listed.
    @Test func hasResultIsOneStat() throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem()
        #expect(!RunLocator(layout: root.layout, fileSystem: fs).hasResult("r"))
        #expect(fs.infoCalls(inside: root.path) == 1 && fs.operations.isEmpty)
    }

    @Test func takenPlaceNamesTheFirstPlaceTheIdIsTaken() throws {
        let root = try TemporaryRoot()
        let locator = RunLocator(layout: root.layout, fileSystem: PosixFileSystem())
        #expect(locator.takenPlace("r") == nil)
        try root.write("outbox/requests/r.json", "{}")
        #expect(locator.takenPlace("r") == "outbox/requests/r.json")
        try root.write("outbox/running/r.json", "{}")
        #expect(locator.takenPlace("r") == "outbox/running/r.json")
        try root.write("outbox/results/r.json", "{}")
        #expect(locator.takenPlace("r") == "outbox/results/r.json")
    }

    @Test func aHeldRecordWithoutARunStatusIsNone() {
        #expect(HeldRecord(json: ["status": "lost", "runnerId": "x"]) == nil)
        #expect(HeldRecord(json: ["status": "queued", "runner": "h:7"])?.owner == "h-7")
    }
}
