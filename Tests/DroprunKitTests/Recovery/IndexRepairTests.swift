import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A runner killed between a run's result and its index line: the next runner's recovery writes the line, once.
@Suite struct IndexRepairTests {
    let writer = RunnerIdentity(host: "testhost", pid: 4242)
    let recoverer = RunnerIdentity(host: "testhost", pid: 4243)

    /// Runs the inbox as `identity`; a kill it causes is what the test is after.
    func run(_ root: TemporaryRoot, as identity: RunnerIdentity, fileSystem: any FileSystem = PosixFileSystem()) async {
        let context = root.engine(fileSystem: fileSystem, identity: identity)
        defer { context.audit.close() }
        _ = try? await Runner(context: context).runOnce()
    }

    /// The writer is killed as it appends the line, after the result and the final event.
    func killedBeforeTheLine(_ root: TemporaryRoot) async {
        await run(root, as: writer, fileSystem: FaultyFileSystem([.kills(before: "append", pathContains: "outbox/index")]))
        // Its process is gone: the heartbeat its kill left says nothing more.
        try? FileManager.default.removeItem(atPath: root.file("outbox/runners/testhost-4242.json"))
    }

    static let waiting = RequestText.make(id: "done", steps: [#"{"id": "a", "provider": "delay", "with": {"ms": 0}}"#])

    @Test func aLiveRecordLeftBesideItsResultGetsTheMissingLine() async throws {
        let root = try makeRoot()
        try root.drop("done.json", Self.waiting)
        await killedBeforeTheLine(root)
        #expect(root.exists("outbox/results/done.json"))
        #expect(root.exists("outbox/running/done.json"))
        #expect(root.indexEntries().isEmpty)

        await run(root, as: recoverer)
        #expect(root.indexEntries("done").count == 1)
        #expect(!root.exists("outbox/running/done.json"))
        let day = IndexFiles.day(of: try #require(root.indexEntries("done").first).finishedAt)
        #expect(root.exists("outbox/index/\(day)~testhost-4243.jsonl"), "appended to the recoverer's own file")
        // The writer's chain holds the run's events.
        #expect(root.indexEntries("done").first?.audit.allSatisfy { $0.hasSuffix("-testhost-4242.jsonl") } == true)
        #expect(root.indexEntries("done").first?.audit.isEmpty == false)
    }

    @Test func aStandingClaimLeftBesideItsResultGetsTheMissingLine() async throws {
        let root = try makeRoot()
        try root.drop("done.json", echoRequest(id: "done"))
        await killedBeforeTheLine(root)
        #expect(root.exists("outbox/results/done.json"))
        #expect(root.list("outbox/claimed/testhost-4242") == ["done.json"])
        #expect(root.indexEntries().isEmpty)

        await run(root, as: recoverer)
        #expect(root.indexEntries("done").count == 1)
        #expect(!root.exists("outbox/claimed/testhost-4242/done.json"))
        #expect(root.list("outbox/claimed/testhost-4243").isEmpty)
        #expect(root.list("outbox/rejected").isEmpty)
    }

    /// The writer died after its line (before removing the record): the line is found, not written again.
    @Test func aLineAlreadyThereIsNotWrittenAgain() async throws {
        for (request, standing) in [(Self.waiting, "outbox/running/done.json"), (echoRequest(id: "done"), "outbox/claimed/testhost-4242/done.json")] {
            let root = try makeRoot()
            try root.drop("done.json", request)
            await run(root, as: writer, fileSystem: FaultyFileSystem([.kills(before: "remove", pathContains: standing)]))
            try? FileManager.default.removeItem(atPath: root.file("outbox/runners/testhost-4242.json"))
            #expect(root.indexEntries("done").count == 1)
            #expect(root.exists(standing))

            await run(root, as: recoverer)
            #expect(root.indexEntries("done").count == 1)
            #expect(!root.exists("outbox/running/done.json"))
            #expect(!root.exists("outbox/claimed/testhost-4242/done.json"))
        }
    }

    /// A dead runner was taking over a run that has a result: the record it held goes once the line is there.
    @Test func aRecordBeingTakenOverBesideItsResultGetsTheMissingLine() async throws {
        let root = try makeRoot()
        try root.drop("done.json", Self.waiting)
        await killedBeforeTheLine(root)
        // As a runner taking the run over leaves it: the record moved into its claim folder.
        try FileManager.default.createDirectory(atPath: root.file("outbox/claimed/testhost-4244"), withIntermediateDirectories: true)
        let takeover = root.layout.takeoverRecord("done", inClaimFolder: "testhost-4244")
        try FileManager.default.moveItem(atPath: root.file("outbox/running/done.json"), toPath: takeover)

        await run(root, as: recoverer)
        #expect(root.indexEntries("done").count == 1)
        #expect(!PosixFileSystem().exists(takeover))
    }

    /// A dead runner was taking over a run whose runner died after its result, before its final event: recovery writes
    /// the missing final event (once) as well as the line.
    @Test func aRecordBeingTakenOverBesideItsResultGetsTheMissingFinalEvent() async throws {
        let root = try makeRoot()
        try root.drop("done.json", Self.waiting)
        // The writer dies right after linking the result: before its final event and its index line.
        await run(root, as: writer, fileSystem: FaultyFileSystem([.kills(before: "remove", pathContains: "outbox/running/.done.json")]))
        try? FileManager.default.removeItem(atPath: root.file("outbox/runners/testhost-4242.json"))
        #expect(root.exists("outbox/results/done.json"))
        #expect(root.auditEvents().filter { $0["event"] == "run.succeeded" }.isEmpty)
        // As a runner taking the run over leaves it: the record moved into its claim folder.
        try FileManager.default.createDirectory(atPath: root.file("outbox/claimed/testhost-4244"), withIntermediateDirectories: true)
        let takeover = root.layout.takeoverRecord("done", inClaimFolder: "testhost-4244")
        try FileManager.default.moveItem(atPath: root.file("outbox/running/done.json"), toPath: takeover)

        await run(root, as: recoverer)
        let finals = root.auditEvents().filter { $0["event"] == "run.succeeded" && $0["runId"] == "done" }
        #expect(finals.count == 1)
        #expect(finals.first?["data"]?["writtenBy"] == "recovery")
        #expect(root.indexEntries("done").count == 1)
        #expect(!PosixFileSystem().exists(takeover))

        // Found there the next time: not written twice.
        try? FileManager.default.removeItem(atPath: root.file("outbox/runners/testhost-4243.json"))
        try FileManager.default.createDirectory(atPath: root.file("outbox/claimed/testhost-4246"), withIntermediateDirectories: true)
        try Data(contentsOf: URL(fileURLWithPath: root.file("outbox/results/done.json")))
            .write(to: URL(fileURLWithPath: root.layout.takeoverRecord("done", inClaimFolder: "testhost-4246")))
        await run(root, as: RunnerIdentity(host: "testhost", pid: 4247))
        #expect(root.auditEvents().filter { $0["event"] == "run.succeeded" && $0["runId"] == "done" }.count == 1)
    }

    /// The line cannot be written: the record that stands for the run stays, for the next scan.
    @Test func aRepairThatCannotBeWrittenKeepsTheRecord() async throws {
        let root = try makeRoot()
        try root.drop("done.json", Self.waiting)
        await killedBeforeTheLine(root)
        await run(root, as: recoverer, fileSystem: FaultyFileSystem([.init("append", pathContains: "outbox/index", code: ENOSPC)]))
        #expect(root.indexEntries().isEmpty)
        #expect(root.exists("outbox/running/done.json"))

        try? FileManager.default.removeItem(atPath: root.file("outbox/runners/testhost-4243.json"))
        await run(root, as: RunnerIdentity(host: "testhost", pid: 4245))
        #expect(root.indexEntries("done").count == 1)
        #expect(!root.exists("outbox/running/done.json"))
    }
}
