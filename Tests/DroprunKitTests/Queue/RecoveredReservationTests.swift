import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A runner killed after it reserved a run id (its claim linked as the kept request) and wrote `run.queued`, before
/// any record: the runner that takes the claim over admits the run as created when it was queued, unless gc
/// purged an earlier run of that id meanwhile.
@Suite struct RecoveredReservationTests {
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    func echo(_ id: String) -> String { RequestText.make(id: id, steps: [#"{"id": "a", "provider": "echo"}"#]) }

    /// What runner `testhost:1` leaves when killed at `t0` just after `run.queued`: its claim, linked as the kept
    /// request (the reservation), and the event in its chain; no record.
    func killedAfterQueued(_ root: TemporaryRoot) throws {
        let bytes = echo("r")
        try root.write("outbox/claimed/testhost-1/r.json", bytes)
        try PosixFileSystem().link(root.file("outbox/claimed/testhost-1/r.json"), to: root.file("outbox/requests/r.json"))
        let log = AuditLog(
            folder: root.layout.audit, runner: RunnerIdentity(host: "testhost", pid: 1), startedAt: Self.t0, fileSystem: PosixFileSystem())
        try log.record(
            .runQueued(file: "r.json", workflow: "w", sha256: SHA256.hex(Array(bytes.utf8)), workflowSHA256: nil), runId: "r", at: Self.t0)
        log.close()
    }

    @Test func theRunKeepsTheTimeItWasQueued() async throws {
        let root = try TemporaryRoot()
        try killedAfterQueued(root)
        let context = root.engine(clock: InstantClock(start: Self.t0.addingTimeInterval(3_600)), identity: RunnerIdentity(host: "testhost", pid: 2))
        defer { context.audit.close() }
        context.liveness.bury("testhost-1")
        _ = try await Runner(context: context).runOnce()
        let result = try #require(root.json("outbox/results/r.json"))
        #expect(result["status"] == "succeeded")
        #expect(result["createdAt"] == .string(Timestamp.format(Self.t0)), "\(result)")
        #expect(root.auditEventNames(runId: "r").filter { $0 == "run.queued" }.count == 1)
    }

    @Test func aPurgedIdIsRefusedWhenTheClaimIsTakenUp() async throws {
        let root = try TemporaryRoot()
        try killedAfterQueued(root)
        // gc purged an earlier run "r" (its line written before that run's request went).
        let line = PurgeRecord(runId: "r", finishedAt: Self.t0.addingTimeInterval(-86_400), purgedAt: Self.t0.addingTimeInterval(-60), sha256: "ab")
        try root.write("outbox/purged/purged.jsonl", String(decoding: line.line, as: UTF8.self))
        let context = root.engine(clock: InstantClock(start: Self.t0.addingTimeInterval(3_600)), identity: RunnerIdentity(host: "testhost", pid: 2))
        defer { context.audit.close() }
        context.liveness.bury("testhost-1")
        _ = try await Runner(context: context).runOnce()
        #expect(!root.exists("outbox/results/r.json") && !root.exists("outbox/requests/r.json"), "the purged id ran again")
        #expect(root.json("outbox/rejected/r.json.error.json")?["reason"] == "duplicate")
    }
}
