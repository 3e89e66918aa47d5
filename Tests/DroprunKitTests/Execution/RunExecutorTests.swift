import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The executor in-process: the one `resume` entry's four decisions for a taken-over run, and a record it cannot read.
@Suite struct RunExecutorTests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)
    static let previous = RunnerIdentity(host: "old", pid: 1)

    static let request = RequestText.make(
        id: "r1",
        steps: [
            #"{"id": "ok", "provider": "approval", "with": {"message": "ship it?"}}"#,
            #"{"id": "after", "provider": "echo", "with": {"done": true}}"#,
        ])

    /// A run of `request` shaped by `shape` (from queued), as if moved into this runner's claim folder to be taken over.
    func takenOver(
        _ context: EngineContext, problem: StepFailure? = nil, shape: (inout RunRecord) throws -> Void
    ) throws -> TakenOverRun {
        let fs = context.fileSystem
        try context.layout.createFolders(fs)
        try context.heartbeat.start(mode: "once", startedAt: context.clock.now(), concurrency: 1)
        let decoded = RequestDecoder(configuration: context.configuration, registry: .builtIn).decode(Array(Self.request.utf8), fileName: "r1.json")
        var request = try #require({ if case .success(.run(let request, _)) = decoded { request } else { nil } }(), "\(decoded)")
        request.id = "r1"
        var record = RunRecord(
            runId: "r1", workflow: request.workflow, requestFile: "r1.json", requestSHA256: "", requestSize: 0, receivedAt: Self.start,
            createdAt: Self.start)
        try shape(&record)
        let folder = context.layout.claimFolder(context.identity)
        try fs.makeDirectory(folder)
        let placeholder = Path.join(folder, "r1" + RootLayout.takeoverSuffix)
        try fs.writeAtomically(placeholder, JSONWriter.prettyBytes(record.json), sync: false)
        return TakenOverRun(
            record: record, request: request, problem: problem, placeholder: placeholder, previousRunner: problem == nil ? "old:1" : nil)
    }

    /// Waits at `ok` since `start`, with an approval expiring at `expires`.
    func waiting(expires: Date?) -> (inout RunRecord) throws -> Void {
        { record in
            _ = try record.apply(.start, at: Self.start, by: Self.previous)
            try record.steps[0].apply(.start, at: Self.start)
            let approval = PendingApproval(step: "ok", message: "ship it?", requestedAt: Self.start, expiresAt: expires)
            _ = try record.apply(.awaitApproval(approval), at: Self.start, by: Self.previous)
        }
    }

    @Test func aWaitingRunWhoseApprovalHoldsIsPublishedAsWaiting() async throws {
        let root = try TemporaryRoot()
        let context = root.engine(clock: InstantClock(start: Self.start.addingTimeInterval(10)))
        defer { context.audit.close() }
        let run = try takenOver(context, shape: waiting(expires: Self.start.addingTimeInterval(60)))
        let end = try await RunExecutor.resume(run, context: context)
        guard case .waiting(let record) = end else { Issue.record("\(end)"); return }
        #expect(record.status == .waitingApproval)
        #expect(root.json("outbox/running/r1.json")?["status"] == "waiting_approval")
        #expect(root.json("outbox/running/r1.json")?["runner"] == .null)
        #expect(!PosixFileSystem().exists(run.placeholder))
        #expect(root.auditEventNames(runId: "r1") == ["run.waiting_approval"])
    }

    @Test func aWaitingRunWhoseApprovalExpiredFails() async throws {
        let root = try TemporaryRoot()
        let context = root.engine(clock: InstantClock(start: Self.start.addingTimeInterval(10)))
        defer { context.audit.close() }
        let run = try takenOver(context, shape: waiting(expires: Self.start.addingTimeInterval(5)))
        let end = try await RunExecutor.resume(run, context: context)
        guard case .finished(let record) = end else { Issue.record("\(end)"); return }
        #expect(record.status == .failed)
        #expect(record.error?.code == .approvalExpired)
        #expect(record.waitedMs == 10_000)
        #expect(root.json("outbox/results/r1.json")?["status"] == "failed")
        #expect(root.auditEventNames(runId: "r1") == ["step.failed", "step.skipped", "run.failed"])
    }

    /// A cancel accepted as the run began to wait: the executor holding the run takes its published record back and
    /// cancels it itself, with no second executor (which would read the run's kept request and record again).
    @Test func aCancelMarkerFoundAsTheRunBeginsToWaitIsCarriedOutByItsExecutor() async throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem()
        let context = root.engine(clock: InstantClock(start: Self.start.addingTimeInterval(10)), fileSystem: fs)
        defer { context.audit.close() }
        let run = try takenOver(context, shape: waiting(expires: nil))
        try root.write("outbox/requests/r1.json", Self.request)
        try root.write("outbox/cancels/r1.json", #"{"runId": "r1", "by": "ops"}"#)
        let end = try await RunExecutor.resume(run, context: context)
        guard case .finished(let record) = end else { Issue.record("\(end)"); return }
        #expect(record.status == .cancelled)
        #expect(record.error?.message == "the run was cancelled by ops")
        #expect(root.json("outbox/results/r1.json")?["status"] == "cancelled")
        #expect(!root.exists("outbox/running/r1.json") && !root.exists("outbox/cancels/r1.json"))
        #expect(root.list("outbox/claimed/\(context.identity.folderName)").isEmpty)
        #expect(root.auditEventNames(runId: "r1") == ["run.waiting_approval", "step.skipped", "run.cancelled"])
        let cancelled = root.auditEvents().filter { $0["event"] == "run.cancelled" }
        #expect(cancelled.map { $0["actor"] } == [.string(context.identity.actor)])
        let takeovers = fs.operations.filter { $0.hasPrefix("rename ") && $0.contains("outbox/running/r1.json -> ") }
        #expect(takeovers.count == 1, "\(takeovers)")
        let reads = fs.operations.filter { $0.hasPrefix("read ") }
        #expect(!reads.contains { $0.hasSuffix("outbox/requests/r1.json") }, "the run's request was read again: \(reads)")
    }

    @Test func aRunThatCannotGoOnFailsWithoutRunningAStep() async throws {
        let root = try TemporaryRoot()
        let context = root.engine()
        defer { context.audit.close() }
        let problem = StepFailure(.workflowMismatch, "the kept definition is gone")
        let run = try takenOver(context, problem: problem) { record in
            _ = try record.apply(.start, at: Self.start, by: Self.previous)
        }
        let end = try await RunExecutor.resume(run, context: context)
        guard case .finished(let record) = end else { Issue.record("\(end)"); return }
        #expect(record.status == .failed)
        #expect(record.error == problem)
        #expect(record.errorStep == "ok")
        #expect(root.auditEventNames(runId: "r1") == ["step.skipped", "step.skipped", "run.failed"])
    }

    @Test func aRunningRunIsExecutedFromWhereItWas() async throws {
        let root = try TemporaryRoot()
        let context = root.engine()
        defer { context.audit.close() }
        let run = try takenOver(context) { record in
            _ = try record.apply(.start, at: Self.start, by: Self.previous)
            try record.steps[0].apply(.start, at: Self.start)
            try record.steps[0].apply(.approve(output: ["decision": "approve"]), at: Self.start)
            try record.steps[1].apply(.start, at: Self.start)
        }
        let end = try await RunExecutor.resume(run, context: context)
        guard case .finished(let record) = end else { Issue.record("\(end)"); return }
        #expect(record.status == .succeeded)
        #expect(record.steps[1].attempts == 2)
        #expect(record.startedAt == Self.start)
        #expect(root.auditEventNames(runId: "r1") == ["run.recovered", "step.started", "step.succeeded", "run.succeeded"])
        let recovered = root.auditEvents().first { $0["event"] == "run.recovered" }
        #expect(recovered?["data"] == ["previousRunner": "old:1", "interruptedSteps": ["after"]])
    }

    /// A live record with a step the runner cannot read: said (naming the member), put back where it was, and left alone.
    @Test func aRecordWithAStepItCannotReadIsPutBackAndSaid() async throws {
        let root = try TemporaryRoot()
        let context = root.engine()
        defer { context.audit.close() }
        _ = try takenOver(context) { record in
            _ = try record.apply(.start, at: Self.start, by: RunnerIdentity(host: "gone", pid: 999_999))
        }
        let text = try #require(root.read("outbox/claimed/\(context.identity.folderName)/r1\(RootLayout.takeoverSuffix)"))
        try PosixFileSystem().remove(root.file("outbox/claimed/\(context.identity.folderName)/r1\(RootLayout.takeoverSuffix)"))
        let range = try #require(text.range(of: #""status" : "pending""#) ?? text.range(of: #""status": "pending""#))
        try root.write("outbox/running/r1.json", text.replacingCharacters(in: range, with: #""status": "paused""#))
        try root.write("outbox/requests/r1.json", Self.request)
        let runner = Runner(context: context)
        _ = try await runner.runOnce()
        #expect(root.exists("outbox/running/r1.json"), "put back")
        #expect(!root.exists("outbox/results/r1.json"))
        #expect(
            context.warnings.messages.contains { $0.contains("outbox/running/r1.json") && $0.contains("$.steps[0].status") },
            "\(context.warnings.messages)")
    }
}
