import DroprunTestSupport
import Foundation
import Synchronization
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// Runs taken over from a dead runner's checkpoint log.
@Suite struct CheckpointRecoveryTests {
    /// Counts each step's executions, per run.
    final class Executions: Sendable {
        private let counts = Mutex<[String: Int]>([:])
        func count(_ context: StepContext) -> JSONValue {
            let n = counts.withLock { counts in
                counts["\(context.runId)/\(context.stepId)", default: 0] += 1
                return counts["\(context.runId)/\(context.stepId)"]!
            }
            return ["execution": .int(n)]
        }
        subscript(_ key: String) -> Int { counts.withLock { $0[key] ?? 0 } }
    }

    let dead = RunnerIdentity(host: "testhost", pid: 4242)
    let next = RunnerIdentity(host: "testhost", pid: 4243)

    /// Runs the inbox as runner 4242, which dies as it links its result: its claims, records and log stay behind.
    func runAndDieBeforeTheResult(_ root: TemporaryRoot, _ executions: Executions) async throws {
        let fs = FaultyFileSystem([.init("link", pathContains: "outbox/results/")])
        let context = root.engine(registry: ProbeProvider.registry(executions.count), fileSystem: fs, identity: dead)
        defer { context.audit.close() }
        await #expect(throws: FileSystemError.self) { try await Runner(context: context).runOnce() }
        #expect(!root.list("outbox/checkpoints/testhost-4242").isEmpty, "the log stays: its runs depend on it")
    }

    func runNext(
        _ root: TemporaryRoot, _ executions: Executions, as identity: RunnerIdentity? = nil, fileSystem: any FileSystem = PosixFileSystem()
    ) async throws -> RunOnceSummary {
        let context = root.engine(registry: ProbeProvider.registry(executions.count), fileSystem: fileSystem, identity: identity ?? next)
        defer { context.audit.close() }
        return try await Runner(context: context).runOnce()
    }

    /// A root with `request` dropped and run by runner 4242, which died as it linked the result.
    func leftByADeadRunner(_ request: String? = nil, id: String = "quick") async throws -> (TemporaryRoot, Executions) {
        let root = try TemporaryRoot()
        try root.drop(id + ".json", request ?? RequestText.make(id: id, steps: instantSteps()))
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)
        return (root, executions)
    }

    /// Runs the next runner, which must finish `id` without running again the steps a and b that the log shows done.
    func expectFinishedWithoutRerunningLoggedSteps(_ root: TemporaryRoot, _ executions: Executions, id: String = "quick") async throws {
        _ = try await runNext(root, executions)
        #expect(root.json("outbox/results/\(id).json")?["status"] == "succeeded")
        #expect(executions["\(id)/a"] == 1 && executions["\(id)/b"] == 1, "the log said both were done")
    }

    /// The next runner in strict durability (its group commit can be replaced).
    func strictEngine(_ root: TemporaryRoot, _ executions: Executions) -> EngineContext {
        var configuration = Configuration.fastForTests
        configuration.durability = .strict
        return root.engine(configuration: configuration, registry: ProbeProvider.registry(executions.count), identity: next)
    }

    /// A run whose first step may wait (its record is published before it) and whose two others are instant.
    func mixedRequest(_ id: String) -> String {
        RequestText.make(
            id: id,
            steps: [
                #"{"id": "a", "provider": "probe-waiting"}"#, #"{"id": "b", "provider": "probe-instant"}"#,
                #"{"id": "c", "provider": "probe-instant"}"#,
            ])
    }

    func instantSteps(_ count: Int = 3) -> [String] {
        (0..<count).map { #"{"id": "\#(["a", "b", "c", "d"][$0])", "provider": "probe-instant"}"# }
    }

    /// Marks `identity` alive: a fresh heartbeat (on another host, so no process check applies).
    func keepAlive(_ root: TemporaryRoot, _ folderName: String) throws {
        try root.write("outbox/runners/\(folderName).json", #"{"runner": "alive"}"#)
    }

    /// Adds a line for `runId` to `dead`'s log: its current last line, naming `claim`.
    func relog(_ root: TemporaryRoot, _ runId: String, claim: String, in dead: String = "testhost-4242") throws {
        let folder = root.file("outbox/checkpoints/" + dead)
        let entry = try #require(CheckpointLog.read(folder: folder, fileSystem: PosixFileSystem())[runId])
        let log = CheckpointLog(folder: folder, fileSystem: PosixFileSystem(), segmentBytes: 1 << 30)
        try log.append(runId: runId, prettyRecord: JSONWriter.prettyBytes(entry.record), claim: claim)
    }

    @Test func aRunWhoseClaimStoodResumesFromItsLastLine() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "quick.json",
            RequestText.make(
                id: "quick",
                steps: [
                    #"{"id": "a", "provider": "probe-instant"}"#, #"{"id": "b", "provider": "probe-instant"}"#,
                    #"{"id": "c", "provider": "probe-instant"}"#,
                ]))
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)
        #expect(!root.exists("outbox/running/quick.json"), "its claim stood for it: no live record was ever written")
        #expect(root.list("outbox/claimed/testhost-4242") == ["quick.json"])

        let summary = try await runNext(root, executions)
        #expect(summary.count(.succeeded) == 1)
        #expect(executions["quick/a"] == 1 && executions["quick/b"] == 1, "steps in the log are not run again")
        #expect(executions["quick/c"] == 2, "the interrupted step runs again")
        let result = try #require(root.json("outbox/results/quick.json"))
        #expect(result["steps"]?.arrayValue?.map { $0["output"]?["execution"] } == [1, 1, 2])
        #expect(result["runner"] == "testhost:4243")
        let recovered = root.auditEvents().first { $0["event"] == "run.recovered" && $0["runId"] == "quick" }
        #expect(recovered?["data"]?["previousRunner"] == "testhost:4242")
        #expect(root.list("outbox/checkpoints").isEmpty, "the dead runner's log was removed")
        #expect(root.list("outbox/claimed").allSatisfy { root.list("outbox/claimed/" + $0).isEmpty })
        #expect(root.list("outbox/running").isEmpty)
    }

    @Test func aRunFinishedBeforeItsClaimWasRemovedIsNeitherRunAgainNorRejected() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "done.json",
            RequestText.make(
                id: "done",
                steps: [
                    #"{"id": "a", "provider": "probe-instant"}"#, #"{"id": "b", "provider": "probe-instant"}"#,
                ]))
        let executions = Executions()
        // The runner dies right after linking the result: before its final event, with its claim still standing.
        let fs = FaultyFileSystem([.init("remove", pathContains: "outbox/running/.done.json")])
        let context = root.engine(registry: ProbeProvider.registry(executions.count), fileSystem: fs, identity: dead)
        await #expect(throws: FileSystemError.self) { try await Runner(context: context).runOnce() }
        context.audit.close()
        let result = root.read("outbox/results/done.json")
        #expect(result != nil)
        #expect(root.list("outbox/claimed/testhost-4242") == ["done.json"])

        let summary = try await runNext(root, executions)
        #expect(summary.count(.succeeded) == 0)
        #expect(root.list("outbox/rejected").isEmpty, "the claim of a finished run is not a duplicate drop")
        #expect(root.read("outbox/results/done.json") == result)
        #expect(executions["done/a"] == 1 && executions["done/b"] == 1)
        let finals = root.auditEvents().filter { $0["event"] == "run.succeeded" && $0["runId"] == "done" }
        #expect(finals.count == 1)
        #expect(finals.first?["data"]?["writtenBy"] == "recovery")
        #expect(root.list("outbox/claimed").allSatisfy { root.list("outbox/claimed/" + $0).isEmpty })
    }

    @Test func aLiveRecordOlderThanTheLogIsRewrittenFromItsLastLine() async throws {
        let (root, executions) = try await leftByADeadRunner(mixedRequest("mixed"), id: "mixed")
        let live = try #require(root.json("outbox/running/mixed.json"), "published before a, which may wait")
        #expect(live["steps"]?.arrayValue?.map { $0["status"] } == ["pending", "pending", "pending"])

        let summary = try await runNext(root, executions)
        #expect(summary.count(.succeeded) == 1)
        #expect(executions["mixed/a"] == 1 && executions["mixed/b"] == 1, "the log, newer than the live record, was used")
        #expect(executions["mixed/c"] == 2)
        #expect(root.list("outbox/checkpoints").isEmpty)
        #expect(root.list("outbox/running").isEmpty)
    }

    @Test func aRunAnotherRunnerHoldsIsLeftToIt() async throws {
        let root = try TemporaryRoot()
        try root.drop("held.json", mixedRequest("held"))
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)
        // Another runner, alive, has since taken the run over.
        let text = try #require(root.read("outbox/running/held.json"))
        let taken = text.replacingOccurrences(of: "testhost:4242", with: "otherhost:7").replacingOccurrences(of: "testhost-4242", with: "otherhost-7")
        #expect(taken != text)
        try root.write("outbox/running/held.json", taken)
        let live = root.json("outbox/running/held.json")
        try root.write("outbox/runners/otherhost-7.json", #"{"runner": "otherhost:7"}"#)

        let watching = FaultyFileSystem()
        let summary = try await runNext(root, executions, fileSystem: watching)
        #expect(summary.count(.succeeded) == 0)
        #expect(root.json("outbox/running/held.json") == live, "left as the other runner wrote it")
        #expect(
            !watching.operations.contains { $0.hasPrefix("rename " + root.file("outbox/running/held.json")) },
            "a live runner's record is read, never renamed away, even for a moment")
        #expect(executions["held/c"] == 1)
        #expect(root.list("outbox/checkpoints").isEmpty, "the dead runner's log was removed all the same")
    }

    @Test func aRecovererKilledAfterMovingAClaimLeavesItsRunToTheNextFromTheSameState() async throws {
        let (root, executions) = try await leftByADeadRunner()

        // Runner 4243 is killed after it moved the claim into its folder, before the record being taken over is written.
        let dying = FaultyFileSystem([.kills(before: "writeNew", pathContains: RootLayout.takeoverSuffix)])
        _ = try? await runNext(root, executions, fileSystem: dying)
        #expect(dying.isDead)
        #expect(root.list("outbox/claimed/testhost-4243") == ["quick.json"])
        #expect(
            CheckpointLog.read(folder: root.file("outbox/checkpoints/testhost-4243"), fileSystem: PosixFileSystem())["quick"]?.claim == "quick.json",
            "its own log names the claim before the claim moved")
        try PosixFileSystem().remove(root.file("outbox/runners/testhost-4243.json"))  // its lease ran out

        let summary = try await runNext(root, executions, as: RunnerIdentity(host: "testhost", pid: 4244))
        #expect(summary.count(.succeeded) == 1)
        #expect(executions["quick/a"] == 1 && executions["quick/b"] == 1, "resumed from the dead runner's last line, not from the start")
        #expect(executions["quick/c"] == 2)
        #expect(root.list("outbox/checkpoints").isEmpty)
        #expect(root.list("outbox/claimed").allSatisfy { root.list("outbox/claimed/" + $0).isEmpty })
        #expect(root.list("outbox/rejected").isEmpty)
    }

    @Test func aStaleClaimNameInTheLogNeverMovesTheDropThatTookTheName() async throws {
        let root = try TemporaryRoot()
        try root.drop("x.json", mixedRequest("x"))
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)
        #expect(root.exists("outbox/running/x.json"))
        // x's last line names the claim "a.json", which a later drop (run y, not yet admitted) now holds.
        try relog(root, "x", claim: "a.json")
        try root.write("outbox/claimed/testhost-4242/a.json", RequestText.make(id: "y", steps: instantSteps(2)))

        let summary = try await runNext(root, executions)
        #expect(summary.count(.succeeded) == 2, "x resumed and y ran")
        #expect(executions["x/a"] == 1 && executions["x/b"] == 1 && executions["y/a"] == 1)
        #expect(root.json("outbox/results/y.json")?["status"] == "succeeded")
        #expect(root.list("outbox/rejected").isEmpty)
    }

    @Test func aStaleClaimNameOfARunAnotherRunnerIsTakingOverIsLeftAlone() async throws {
        let root = try TemporaryRoot()
        try root.drop("x.json", mixedRequest("x"))
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)
        try relog(root, "x", claim: "a.json")
        try root.write("outbox/claimed/testhost-4242/a.json", RequestText.make(id: "y", steps: instantSteps(2)))
        // A live runner is taking x over (applying an approval, say): its record is in that runner's folder.
        try keepAlive(root, "otherhost-7")
        let takeover = "outbox/claimed/otherhost-7/x" + RootLayout.takeoverSuffix
        try root.write(takeover, try #require(root.read("outbox/running/x.json")))
        try PosixFileSystem().remove(root.file("outbox/running/x.json"))

        let summary = try await runNext(root, executions)
        #expect(summary.count(.succeeded) == 1, "y ran")
        #expect(root.json("outbox/results/y.json")?["status"] == "succeeded")
        #expect(root.exists(takeover), "x is left to the runner taking it over")
        #expect(!root.exists("outbox/results/x.json"))
        #expect(root.list("outbox/rejected").isEmpty)
    }

    @Test func recordsOfARunnerWhoseLogWasNotReadAreLeftForTheNextScan() async throws {
        let (root, executions) = try await leftByADeadRunner(mixedRequest("mixed"), id: "mixed")
        // The first scan cannot list the logs: the live record (older than the log) must wait for a scan that can.
        let live = root.read("outbox/running/mixed.json")
        let fs = FaultyFileSystem([.init("list", pathContains: "outbox/checkpoints", times: 1)])
        #expect(try await runNext(root, executions, fileSystem: fs).count(.succeeded) == 0)
        #expect(root.read("outbox/running/mixed.json") == live)
        #expect(executions["mixed/b"] == 1)

        #expect(try await runNext(root, executions).count(.succeeded) == 1)
        #expect(executions["mixed/b"] == 1, "b, done according to the log, is not run again")
        #expect(executions["mixed/c"] == 2)
    }

    @Test func noFinalEventIsWrittenForARunnerThatIsAliveToWriteItItself() async throws {
        let root = try TemporaryRoot()
        try root.drop("done.json", RequestText.make(id: "done", steps: instantSteps(2)))
        let executions = Executions()
        // A live runner on another host has just linked the result; its final event is still to come.
        let other = RunnerIdentity(host: "otherhost", pid: 7)
        let fs = FaultyFileSystem([.kills(before: "remove", pathContains: "outbox/running/.done.json")])
        let context = root.engine(registry: ProbeProvider.registry(executions.count), fileSystem: fs, identity: other)
        _ = try? await Runner(context: context).runOnce()
        context.audit.close()
        #expect(root.json("outbox/results/done.json")?["runnerId"] == "otherhost-7")
        try keepAlive(root, "otherhost-7")
        #expect(root.auditEvents().filter { $0["event"] == "run.succeeded" }.isEmpty)
        // A dead runner's claim of the same file.
        try FileManager.default.createDirectory(atPath: root.file("outbox/claimed/testhost-4242"), withIntermediateDirectories: true)
        try PosixFileSystem().link(root.file("outbox/requests/done.json"), to: root.file("outbox/claimed/testhost-4242/done.json"))

        _ = try await runNext(root, executions)
        #expect(root.auditEvents().filter { $0["event"] == "run.succeeded" }.isEmpty, "left to the runner that wrote the result")
        #expect(root.list("outbox/rejected").isEmpty)
    }

    @Test func theFinalEventOfARunAnotherLiveRunnerFinishedIsLeftToIt() async throws {
        let root = try TemporaryRoot()
        try root.drop("done.json", RequestText.make(id: "done", steps: instantSteps(2)))
        let executions = Executions()
        // A runner on another host runs it to its end, then (still alive) is about to write the final event.
        let other = root.engine(registry: ProbeProvider.registry(executions.count), identity: RunnerIdentity(host: "otherhost", pid: 7))
        _ = try await Runner(context: other).runOnce()
        other.audit.close()
        try keepAlive(root, "otherhost-7")
        let before = root.auditEvents().filter { $0["event"] == "run.succeeded" }.count
        // A dead runner's claim of the same file (it had claimed the drop, then died).
        try FileManager.default.createDirectory(atPath: root.file("outbox/claimed/testhost-4242"), withIntermediateDirectories: true)
        try PosixFileSystem().link(root.file("outbox/requests/done.json"), to: root.file("outbox/claimed/testhost-4242/done.json"))

        let summary = try await runNext(root, executions)
        #expect(summary.count(.succeeded) == 0)
        #expect(root.auditEvents().filter { $0["event"] == "run.succeeded" }.count == before, "no second final event")
        #expect(root.list("outbox/rejected").isEmpty)
        #expect(!root.exists("outbox/claimed/testhost-4242/done.json") && root.list("outbox/claimed/testhost-4243").isEmpty)
    }

    @Test func twoRecoverersAtOnceRunNoLoggedStepTwice() async throws {
        let root = try TemporaryRoot()
        for i in 0..<12 {
            let first = i.isMultiple(of: 2) ? "probe-instant" : "probe-waiting"
            try root.drop(
                "r\(i).json",
                RequestText.make(
                    id: "r\(i)",
                    steps: [
                        #"{"id": "a", "provider": "\#(first)"}"#, #"{"id": "b", "provider": "probe-instant"}"#,
                        #"{"id": "c", "provider": "probe-instant"}"#,
                    ]))
        }
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)
        async let one = runNext(root, executions)
        // On another host, so neither takes the other for dead (no process check across hosts).
        async let two = runNext(root, executions, as: RunnerIdentity(host: "otherhost", pid: 8))
        let summaries = try await [one, two]
        #expect(summaries.map { $0.count(.succeeded) }.reduce(0, +) == 12)
        for i in 0..<12 {
            #expect(root.json("outbox/results/r\(i).json")?["status"] == "succeeded")
            #expect(executions["r\(i)/a"] == 1 && executions["r\(i)/b"] == 1, "r\(i): steps in the log ran once")
            #expect(executions["r\(i)/c"] == 2)
        }
        #expect(root.list("outbox/rejected").isEmpty)
        #expect(root.list("outbox/checkpoints").isEmpty)
        #expect(root.list("outbox/running").filter { !$0.hasPrefix(".") }.isEmpty)
    }

    @Test func aRunAnotherRunnerFinishedLeavesNothingInTheLog() async throws {
        let root = try TemporaryRoot()
        try root.drop("x.json", RequestText.make(id: "x", steps: instantSteps()))
        let folder = root.path
        // As c runs, another runner (which took the run over) writes the result.
        let registry = ProbeProvider.registry { context in
            if context.stepId == "c" {
                try? PosixFileSystem().writeNew(
                    Path.join(folder, "outbox/results/x.json"), Array(#"{"runId": "x", "status": "succeeded"}"#.utf8), sync: false)
            }
            return ["step": .string(context.stepId)]
        }
        let context = root.engine(registry: registry, identity: dead)
        _ = try await Runner(context: context).runOnce()
        context.audit.close()
        #expect(root.read("outbox/results/x.json") == #"{"runId": "x", "status": "succeeded"}"#, "left as the other runner wrote it")
        #expect(root.list("outbox/checkpoints").isEmpty, "a run lost to another runner does not keep the log past a clean stop")
    }

    /// Runs the inbox as runner 4242 with `fs`, which makes it die somewhere; its claims, records and log stay.
    func runDead(_ root: TemporaryRoot, _ executions: Executions, _ fs: FaultyFileSystem) async {
        let context = root.engine(registry: ProbeProvider.registry(executions.count), fileSystem: fs, identity: dead)
        defer { context.audit.close() }
        _ = try? await Runner(context: context).runOnce()
    }

    @Test func strictRecoveryFlushesItsOwnLineBeforeTheClaimMoves() async throws {
        let (root, executions) = try await leftByADeadRunner()
        var context = strictEngine(root, executions)
        defer { context.audit.close() }
        // At each flush: is the run's line in this runner's log while the claim is still in the dead runner's folder?
        let folder = root.path
        let lineBeforeClaim = Mutex<[Bool]>([])
        context.groupCommit = GroupCommit(root: root.path) { _ in
            let fs = PosixFileSystem()
            let claimStill = fs.exists(Path.join(folder, "outbox/claimed/testhost-4242/quick.json"))
            let logged = CheckpointLog.read(folder: Path.join(folder, "outbox/checkpoints/testhost-4243"), fileSystem: fs)["quick"] != nil
            lineBeforeClaim.withLock { $0.append(claimStill && logged) }
            return 0
        }
        #expect(try await Runner(context: context).runOnce().count(.succeeded) == 1)
        #expect(lineBeforeClaim.withLock { $0.contains(true) }, "the line was flushed before the claim moved")
        #expect(executions["quick/a"] == 1 && executions["quick/b"] == 1)
    }

    @Test func aStrictRecovererThatCannotFlushLeavesTheRunForTheNextScanAndNoLogOfItsOwn() async throws {
        let (root, executions) = try await leftByADeadRunner()
        var context = strictEngine(root, executions)
        let failures = Mutex(1)
        context.groupCommit = GroupCommit(root: root.path) { _ in
            failures.withLock { left in
                defer { left = max(0, left - 1) }
                return left > 0 ? EIO : 0
            }
        }
        _ = try? await Runner(context: context).runOnce()
        context.audit.close()
        #expect(root.list("outbox/claimed/testhost-4242") == ["quick.json"], "the claim did not move")
        #expect(!root.exists("outbox/checkpoints/testhost-4243"), "a clean stop leaves no log of its own")

        #expect(try await runNext(root, executions).count(.succeeded) == 1)
        #expect(executions["quick/a"] == 1 && executions["quick/b"] == 1)
    }

    @Test func aRecovererThatCannotAppendToItsOwnLogLeavesTheRunForTheNextScan() async throws {
        let (root, executions) = try await leftByADeadRunner()

        // One failed append (a full disk) to the recoverer's own log.
        let full = FaultyFileSystem([.init("append", pathContains: "checkpoints/testhost-4243", code: ENOSPC, times: 1)])
        _ = try? await runNext(root, executions, fileSystem: full)
        #expect(executions["quick/a"] == 1 && executions["quick/b"] == 1, "the log said both were done")
        #expect(root.list("outbox/claimed/testhost-4242") == ["quick.json"], "the claim stays where the dead runner's log names it")
        #expect(root.exists("outbox/checkpoints/testhost-4242"), "the dead runner's log is kept")

        #expect(try await runNext(root, executions).count(.succeeded) == 1)
        #expect(executions["quick/a"] == 1 && executions["quick/b"] == 1 && executions["quick/c"] == 2)
        #expect(root.list("outbox/checkpoints").isEmpty)
    }

    @Test func claimsOfARunnerWhoseLogsCouldNotBeListedAreLeftForTheNextScan() async throws {
        let (root, executions) = try await leftByADeadRunner()

        let fs = FaultyFileSystem([.init("list", pathContains: "outbox/checkpoints", times: 1)])
        _ = try? await runNext(root, executions, fileSystem: fs)
        #expect(root.list("outbox/claimed/testhost-4242") == ["quick.json"])
        try await expectFinishedWithoutRerunningLoggedSteps(root, executions)
    }

    @Test func aLogSegmentThatCannotBeReadIsKeptUntilItCanBe() async throws {
        let (root, executions) = try await leftByADeadRunner()

        let fs = FaultyFileSystem([.init("read", pathContains: "checkpoints/testhost-4242/", times: 1)])
        _ = try? await runNext(root, executions, fileSystem: fs)
        #expect(root.exists("outbox/checkpoints/testhost-4242"))
        try await expectFinishedWithoutRerunningLoggedSteps(root, executions)
        #expect(root.list("outbox/checkpoints").isEmpty)
    }

    @Test func aRecordThatCannotBeRewrittenFromTheLogIsPutBackForTheNextScan() async throws {
        let (root, executions) = try await leftByADeadRunner(mixedRequest("mixed"), id: "mixed")
        let live = root.read("outbox/running/mixed.json")

        let fs = FaultyFileSystem([.init("writeAtomically", pathContains: "mixed" + RootLayout.takeoverSuffix, times: 1)])
        _ = try? await runNext(root, executions, fileSystem: fs)
        #expect(root.read("outbox/running/mixed.json") == live, "put back as it was")
        #expect(executions["mixed/b"] == 1)
        _ = try await runNext(root, executions)
        #expect(executions["mixed/a"] == 1 && executions["mixed/b"] == 1 && executions["mixed/c"] == 2)
        #expect(root.json("outbox/results/mixed.json")?["status"] == "succeeded")
    }

    func approvalRun(first: String) -> String {
        RequestText.make(
            id: "ask",
            steps: [
                #"{"id": "a", "provider": "\#(first)"}"#,
                #"{"id": "ok", "provider": "approval", "with": {"message": "ship?", "expiresAfterSeconds": 86400}}"#,
                #"{"id": "c", "provider": "probe-instant"}"#,
            ])
    }

    @Test(arguments: ["probe-instant", "probe-waiting"])
    func aRunWhoseRunnerDiedAsItBeganToWaitStillWaits(first: String) async throws {
        let root = try TemporaryRoot()
        try root.drop("ask.json", approvalRun(first: first))
        let executions = Executions()
        // Killed after the waiting state was logged, before it was published (over the claim, or over a running record).
        let operation = first == "probe-instant" ? "writeTemporary" : "replace"
        await runDead(root, executions, FaultyFileSystem([.kills(before: operation, pathContains: "outbox/running/ask.json")]))
        #expect(
            CheckpointLog.read(folder: root.file("outbox/checkpoints/testhost-4242"), fileSystem: PosixFileSystem())["ask"]?.record["status"]
                == "waiting_approval")
        #expect(root.json("outbox/running/ask.json")?["status"] == (first == "probe-instant" ? nil : "running"))

        _ = try await runNext(root, executions)
        #expect(!root.exists("outbox/results/ask.json"), "not failed as expired a day early")
        let live = try #require(root.json("outbox/running/ask.json"))
        #expect(live["status"] == "waiting_approval")
        #expect(live["runnerId"] == .null, "no runner holds a waiting run")
        #expect(root.auditEventNames(runId: "ask").filter { $0 == "run.waiting_approval" }.count == 1)
        #expect(root.list("outbox/claimed").allSatisfy { root.list("outbox/claimed/" + $0).isEmpty })

        try root.drop("yes.json", #"{"kind": "approval", "runId": "ask", "decision": "approve", "by": "ada"}"#)
        _ = try await runNext(root, executions)
        #expect(root.json("outbox/results/ask.json")?["status"] == "succeeded")
        #expect(executions["ask/a"] == 1)
    }

    @Test func aRunEndedByARejectionIsNotGivenASecondFinalEvent() async throws {
        let root = try TemporaryRoot()
        try root.drop("ask.json", approvalRun(first: "probe-instant"))
        let executions = Executions()
        // Killed after publishing the waiting record, before removing its claim.
        await runDead(root, executions, FaultyFileSystem([.kills(before: "remove", pathContains: "outbox/claimed/testhost-4242/ask.json")]))
        #expect(root.json("outbox/running/ask.json")?["status"] == "waiting_approval")
        #expect(root.list("outbox/claimed/testhost-4242") == ["ask.json"])

        // A runner on another host (to which 4242's heartbeat still looks fresh) applies a rejection.
        try root.drop("no.json", #"{"kind": "approval", "runId": "ask", "decision": "reject", "by": "ada"}"#)
        _ = try await runNext(root, executions, as: RunnerIdentity(host: "otherhost", pid: 7))
        let result = try #require(root.json("outbox/results/ask.json"))
        #expect(result["status"] == "failed")
        #expect(result["runnerId"] == "otherhost-7", "a result names the runner that wrote it")

        // A runner on 4242's host finds it dead and takes its claim.
        _ = try await runNext(root, executions)
        #expect(root.list("outbox/rejected").isEmpty)
        #expect(root.auditEvents().filter { $0["event"] == "run.failed" && $0["runId"] == "ask" }.count == 1)
    }

    @Test func listShowsARunBeingTakenOverOnce() async throws {
        let (root, executions) = try await leftByADeadRunner()
        // 4243 is killed after writing the record it takes over, before removing the claim it moved.
        _ = try? await runNext(
            root, executions, fileSystem: FaultyFileSystem([.kills(before: "remove", pathContains: "outbox/claimed/testhost-4243/quick.json")]))
        #expect(Set(root.list("outbox/claimed/testhost-4243")) == ["quick.json", "quick" + RootLayout.takeoverSuffix])
        let output = await CLITester(root: root.path).run(["list", "--json"])
        let rows = try JSONParser.parse(Array(output.stdout.utf8)).arrayValue ?? []
        #expect(rows.filter { $0["runId"] == "quick" }.map { $0["status"] } == ["running"], "\(output.stdout)")
    }

    @Test func aClaimThatCannotBeMovedForNowIsLeftForTheNextScan() async throws {
        let (root, executions) = try await leftByADeadRunner()
        let fs = FaultyFileSystem([.init("rename", pathContains: "claimed/testhost-4242/quick.json -> ", times: 1)])
        _ = try? await runNext(root, executions, fileSystem: fs)
        #expect(root.exists("outbox/checkpoints/testhost-4242"))
        try await expectFinishedWithoutRerunningLoggedSteps(root, executions)
    }

    @Test func aRecordThatCannotBeMovedForNowIsLeftForTheNextScan() async throws {
        let (root, executions) = try await leftByADeadRunner(mixedRequest("mixed"), id: "mixed")
        let fs = FaultyFileSystem([.init("rename", pathContains: "outbox/running/mixed.json -> ", times: 1)])
        _ = try? await runNext(root, executions, fileSystem: fs)
        #expect(root.exists("outbox/checkpoints/testhost-4242"))
        try await expectFinishedWithoutRerunningLoggedSteps(root, executions, id: "mixed")
    }

    @Test(arguments: ["probe-instant", "probe-waiting"])
    func aCancelAcceptedWhileAWaitingRunIsTakenOverEndsIt(first: String) async throws {
        let root = try TemporaryRoot()
        try root.drop("ask.json", approvalRun(first: first))
        let executions = Executions()
        let operation = first == "probe-instant" ? "writeTemporary" : "replace"
        await runDead(root, executions, FaultyFileSystem([.kills(before: operation, pathContains: "outbox/running/ask.json")]))
        // Applied in the same batch as the takeover, before the run is published as waiting.
        try root.drop("stop.json", #"{"kind": "cancel", "runId": "ask", "by": "ada"}"#)
        _ = try await runNext(root, executions)
        let result = try #require(root.json("outbox/results/ask.json"))
        #expect(result["status"] == "cancelled")
        #expect(!root.exists("outbox/running/ask.json") && !root.exists("outbox/cancels/ask.json"))
        #expect(root.auditEventNames(runId: "ask").filter { $0 == "run.cancelled" }.count == 1)
    }

    @Test func anApprovalForARunBeingTakenOverIsRejectedAsSuchAndCanBeDroppedAgain() async throws {
        let root = try TemporaryRoot()
        try root.drop("ask.json", approvalRun(first: "probe-waiting"))
        let executions = Executions()
        await runDead(root, executions, FaultyFileSystem([.kills(before: "replace", pathContains: "outbox/running/ask.json")]))
        try root.drop("yes.json", #"{"kind": "approval", "runId": "ask", "decision": "approve", "by": "ada"}"#)
        _ = try await runNext(root, executions)
        let error = try #require(root.json("outbox/rejected/yes.json.error.json"))
        #expect(error["errors"]?[0]?["message"]?.stringValue?.contains("being changed by another runner; drop the approval again") == true)
        #expect(root.json("outbox/running/ask.json")?["status"] == "waiting_approval")

        try root.drop("yes.json", #"{"kind": "approval", "runId": "ask", "decision": "approve", "by": "ada"}"#)
        _ = try await runNext(root, executions)
        #expect(root.json("outbox/results/ask.json")?["status"] == "succeeded")
    }

    @Test func aTemporaryFileInADeadRunnersClaimFolderIsRemovedNotTakenForADrop() async throws {
        let (root, executions) = try await leftByADeadRunner()
        // Half of a record it was writing as it took a run over, left by a kill.
        let temporary = ".other" + RootLayout.takeoverSuffix + ".4242.7.tmp"
        try root.write("outbox/claimed/testhost-4242/" + temporary, #"{"runId": "oth"#)

        #expect(try await runNext(root, executions).count(.succeeded) == 1)
        #expect(root.list("outbox/rejected").isEmpty)
        #expect(root.list("outbox/claimed").allSatisfy { root.list("outbox/claimed/" + $0).isEmpty })
    }
}
