import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// `Recovery`: what it takes over, and the disk errors it says instead of losing them.
@Suite struct RecoveryTests {
    let deadRunner = "otherhost-7"

    /// A root in which the dead runner `otherhost-7` (no heartbeat) was taking run `r` over.
    func rootWithATakeoverLeftBehind() throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        var record = RunRecord(
            runId: "r", workflow: Workflow(name: "w", version: "1", steps: [StepDefinition(id: "a", provider: "echo")]), requestFile: "r.json",
            requestSHA256: "", requestSize: 2, receivedAt: at, createdAt: at)
        record.runnerId = deadRunner
        try root.write(
            "outbox/claimed/\(deadRunner)/r" + RootLayout.takeoverSuffix, String(decoding: JSONWriter.prettyBytes(record.json), as: UTF8.self))
        return root
    }

    @Test func aDeadRunnersTakeoverGoesBackAndIsTakenUp() throws {
        let root = try rootWithATakeoverLeftBehind()
        let context = root.engine()
        defer { context.audit.close() }
        let work = try Recovery(context: context).scan()
        #expect(work.contains { if case .takeover(let runId, _, _) = $0 { runId == "r" } else { false } })
        #expect(!root.exists("outbox/claimed/\(deadRunner)/r" + RootLayout.takeoverSuffix))
        #expect(context.warnings.messages.isEmpty)
    }

    /// A record that cannot be put back (the link fails with EIO) stays where it is, said, for the next scan: it used to be removed, and the run lost.
    @Test func aTakeoverThatCannotGoBackStaysAndIsReported() throws {
        let root = try rootWithATakeoverLeftBehind()
        let fs = FaultyFileSystem([.init("link", pathContains: "outbox/running/", code: EIO, times: 1)])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        _ = try Recovery(context: context).scan()
        #expect(root.exists("outbox/claimed/\(deadRunner)/r" + RootLayout.takeoverSuffix), "the run's newest record is kept")
        #expect(context.warnings.messages.contains { $0.contains("could not put back a record the dead runner \(deadRunner) was taking over") })

        let again = root.engine()
        defer { again.audit.close() }
        let work = try Recovery(context: again).scan()
        #expect(work.contains { if case .takeover(let runId, _, _) = $0 { runId == "r" } else { false } }, "the next scan takes it up")
    }

    /// A claim folder listing that fails is said, not taken for an empty one.
    @Test func aListingThatFailsIsReported() throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem([.init("list", pathContains: "outbox/claimed", code: EIO, times: 1)])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        _ = try Recovery(context: context).scan()
        #expect(context.warnings.messages.contains { $0.contains("could not list outbox/claimed") && $0.contains("next scan") })
    }

    /// A file another runner removed first (ENOENT) is no error: nothing is said.
    @Test func aFileAnotherRunnerTookIsNoError() throws {
        let root = try rootWithATakeoverLeftBehind()
        let fs = FaultyFileSystem([.init("remove", pathContains: RootLayout.takeoverSuffix, code: ENOENT)])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        _ = try Recovery(context: context).scan()
        #expect(fs.operations.contains { $0.hasPrefix("remove ") && $0.contains(RootLayout.takeoverSuffix) }, "the failing remove was reached")
        #expect(context.warnings.messages.isEmpty)
    }

    /// A root whose `outbox/running/r.json` is a queued run of the dead runner `otherhost-7`, for recovery to take over.
    func rootWithADeadRunnersRecord() throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        var record = RunRecord(
            runId: "r", workflow: Workflow(name: "w", version: "1", steps: [StepDefinition(id: "a", provider: "echo")]), requestFile: "r.json",
            requestSHA256: "", requestSize: 2, receivedAt: at, createdAt: at)
        record.runnerId = deadRunner
        try root.write("outbox/running/r.json", String(decoding: JSONWriter.prettyBytes(record.json), as: UTF8.self))
        return root
    }

    /// A takeover whose move fails for a reason of the disk is said, and the record stays for the next scan; only a
    /// record that is gone (ENOENT: another runner took it) is passed over in silence.
    @Test(arguments: [EIO, EACCES, ENOSPC, ENOENT])
    func aTakeoverWhoseMoveFailsIsReportedUnlessTheRecordIsGone(_ code: Int32) throws {
        let root = try rootWithADeadRunnersRecord()
        let fs = FaultyFileSystem([.init("rename", pathContains: "outbox/running/r.json ->", code: code, times: 1)])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        let work = try Recovery(context: context).scan()
        #expect(fs.operations.contains { $0.hasPrefix("rename") && $0.contains("outbox/running/r.json ->") }, "the move was tried")
        #expect(!work.contains { if case .takeover = $0 { true } else { false } })
        #expect(root.exists("outbox/running/r.json"))
        let said = context.warnings.messages.contains { $0.contains("could not take over run 'r'") && $0.contains("next scan") }
        #expect(said == (code != ENOENT), "\(context.warnings.messages)")

        let again = root.engine()
        defer { again.audit.close() }
        #expect(try Recovery(context: again).scan().contains { if case .takeover(let runId, _, _) = $0 { runId == "r" } else { false } })
    }
}
