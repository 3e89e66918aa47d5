import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The final audit event recovery writes for a run whose runner died between its result and its event.
@Suite struct RecoveryFinalEventTests {
    let writer = RunnerIdentity(host: "testhost", pid: 4242)
    let recoverer = RunnerIdentity(host: "testhost", pid: 4243)
    let next = RunnerIdentity(host: "testhost", pid: 4244)

    func finals(_ root: TemporaryRoot, _ runId: String) -> [JSONValue] {
        root.auditEvents().filter { $0["event"] == "run.succeeded" && $0["runId"]?.stringValue == runId }
    }

    /// Runs the inbox as `identity` over `fileSystem`; a kill or a failure it causes is what the test is after.
    func run(_ root: TemporaryRoot, as identity: RunnerIdentity, fileSystem: any FileSystem = PosixFileSystem(), registry: ProviderRegistry) async {
        let context = root.engine(registry: registry, fileSystem: fileSystem, identity: identity)
        defer { context.audit.close() }
        _ = try? await Runner(context: context).runOnce()
    }

    /// The recoverer was killed after it wrote the final event; what led it there (`left`) is still in place for the next.
    func expectOneFinalEventAfterTheNextRecovery(_ root: TemporaryRoot, left: String, registry: ProviderRegistry) async throws {
        let written = finals(root, "done")
        #expect(written.count == 1)
        #expect(written.first?["data"]?["writtenBy"] == "recovery")
        #expect(written.first?["actor"] == "testhost:4243")
        #expect(root.exists(left), "the kill left \(left)")
        // Its process is gone: the heartbeat its kill left says nothing more (its process id would tell the next runner so).
        try FileManager.default.removeItem(atPath: root.file("outbox/runners/testhost-4243.json"))

        await run(root, as: next, registry: registry)
        #expect(finals(root, "done").count == 1, "the event the recoverer wrote is found: the run did not finish twice")
        #expect(!root.exists(left))
        #expect(root.list("outbox/rejected").isEmpty)
        #expect(root.list("outbox/running").filter { !$0.hasPrefix(".") }.isEmpty)
    }

    /// A run of instant steps: its claim stands for it to its end, and the writer dies as it removes the result's temporary file.
    @Test func aFinalEventWrittenForAStandingClaimIsNotWrittenAgainWhenTheRecovererDiedBeforeRemovingIt() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "done.json",
            RequestText.make(
                id: "done",
                steps: [
                    #"{"id": "a", "provider": "template", "with": {"template": "a"}}"#, #"{"id": "b", "provider": "echo"}"#,
                ]))
        await run(root, as: writer, fileSystem: FaultyFileSystem([.init("remove", pathContains: "outbox/running/.done.json")]), registry: .builtIn)
        #expect(root.json("outbox/results/done.json")?["runnerId"] == "testhost-4242")
        #expect(finals(root, "done").isEmpty)
        #expect(root.list("outbox/claimed/testhost-4242") == ["done.json"])

        // The recoverer takes the claim over, writes the final event, and is killed before it removes the claim.
        await run(
            root, as: recoverer, fileSystem: FaultyFileSystem([.kills(before: "remove", pathContains: "outbox/claimed/testhost-4243/done.json")]),
            registry: .builtIn)
        try await expectOneFinalEventAfterTheNextRecovery(root, left: "outbox/claimed/testhost-4243/done.json", registry: .builtIn)
    }

    /// A run with a step that may wait: its live record stands for it, and the writer dies as it removes the result's temporary file.
    @Test func aFinalEventWrittenForALeftLiveRecordIsNotWrittenAgainWhenTheRecovererDiedBeforeRemovingIt() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "done.json",
            RequestText.make(
                id: "done",
                steps: [
                    #"{"id": "a", "provider": "probe-waiting"}"#, #"{"id": "b", "provider": "probe-instant"}"#,
                ]))
        let registry = ProbeProvider.registry { _ in ["ok": true] }
        await run(root, as: writer, fileSystem: FaultyFileSystem([.init("remove", pathContains: "outbox/running/.done.json")]), registry: registry)
        #expect(root.json("outbox/results/done.json")?["runnerId"] == "testhost-4242")
        #expect(root.json("outbox/running/done.json")?["runnerId"] == "testhost-4242")
        #expect(finals(root, "done").isEmpty)

        // The recoverer writes the final event, and is killed before it removes the live record.
        await run(
            root, as: recoverer, fileSystem: FaultyFileSystem([.kills(before: "remove", pathContains: "outbox/running/done.json")]),
            registry: registry)
        try await expectOneFinalEventAfterTheNextRecovery(root, left: "outbox/running/done.json", registry: registry)
    }
}
