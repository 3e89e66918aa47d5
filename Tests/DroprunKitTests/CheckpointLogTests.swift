import DroprunTestSupport
import Foundation
import Synchronization
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// The checkpoint log itself: lines, torn tails, segments.
@Suite struct CheckpointLogTests {
    func record(_ runId: String, succeeded: Int = 0) -> RunRecord {
        let steps = (0..<3).map { StepDefinition(id: "s\($0)", provider: "echo") }
        var record = RunRecord(
            runId: runId, workflow: Workflow(name: "w", version: "1", steps: steps), requestFile: runId + ".json",
            requestSHA256: String(repeating: "0", count: 64), requestSize: 2, receivedAt: Date(timeIntervalSince1970: 0),
            createdAt: Date(timeIntervalSince1970: 0))
        for index in 0..<succeeded {
            try? record.steps[index].apply(.start)
            try? record.steps[index].apply(.succeed)
        }
        return record
    }

    func succeeded(_ entry: CheckpointLog.Entry?) -> Int? {
        entry.map { ($0.record["steps"]?.arrayValue ?? []).filter { $0["status"] == "succeeded" }.count }
    }

    @Test func eachRunsLastLineIsReadBackWithItsClaim() throws {
        let root = try TemporaryRoot()
        let fs = PosixFileSystem()
        let folder = root.file("outbox/checkpoints/r1")
        let log = CheckpointLog(folder: folder, fileSystem: fs)
        try log.append(record("a", succeeded: 1), claim: "a.json")
        try log.append(record("b", succeeded: 1), claim: nil)
        try log.append(record("a", succeeded: 2), claim: "a.json")
        let entries = CheckpointLog.read(folder: folder, fileSystem: fs)
        #expect(entries.count == 2)
        #expect(succeeded(entries["a"]) == 2)
        #expect(entries["a"]?.claim == "a.json")
        #expect(entries["b"]?.claim == nil)
        // A line is the record, whole: its pretty form is the record's own.
        #expect(JSONWriter.prettyBytes(try #require(entries["b"]).record) == record("b", succeeded: 1).prettyBytes)
        #expect(root.read("outbox/checkpoints/r1/00000000.log")?.split(separator: "\n").count == 3)
    }

    @Test func aTornLastLineAndADamagedLineAreSkipped() throws {
        let root = try TemporaryRoot()
        let fs = PosixFileSystem()
        let folder = root.file("outbox/checkpoints/r1")
        let log = CheckpointLog(folder: folder, fileSystem: fs)
        try log.append(record("a", succeeded: 1), claim: nil)
        try log.append(record("b", succeeded: 1), claim: nil)
        let file = try fs.openForAppending(Path.join(folder, "00000000.log"))
        try file.append(Array("not json\n".utf8))
        // The start of a newer line for a, cut off by a power cut.
        var torn = Array(#"{"claim":null,"record":"#.utf8)
        CheckpointLog.appendCompacted(record("a", succeeded: 3).prettyBytes, to: &torn)
        try file.append(Array(torn.dropLast(10)))
        file.close()
        let entries = CheckpointLog.read(folder: folder, fileSystem: fs)
        #expect(succeeded(entries["a"]) == 1, "the torn line is ignored, never taken for a's state")
        #expect(succeeded(entries["b"]) == 1)
    }

    @Test func aClosedSegmentsNeededLinesMoveToTheNextAndItIsRemoved() throws {
        let root = try TemporaryRoot()
        let fs = PosixFileSystem()
        let folder = root.file("outbox/checkpoints/r1")
        // Every line closes its segment.
        let log = CheckpointLog(folder: folder, fileSystem: fs, segmentBytes: 1)
        try log.append(record("stuck", succeeded: 1), claim: "stuck.json")
        try log.append(record("b", succeeded: 1), claim: nil)
        log.settled("b", finished: false)
        for i in 0..<20 {
            try log.append(record("r\(i)", succeeded: 2), claim: nil)
            log.settled("r\(i)", finished: true)
        }
        #expect(root.list("outbox/checkpoints/r1") == ["00000022.log"], "one segment, however many lines were written")
        let entries = CheckpointLog.read(folder: folder, fileSystem: fs)
        // The last run's line was carried along too: it closed the segment before it finished.
        #expect(Set(entries.keys) == ["stuck", "r19"], "the stuck run's line was carried along; the others were not needed")
        #expect(entries["stuck"]?.claim == "stuck.json")
        #expect(succeeded(entries["stuck"]) == 1)
        #expect(!log.holds("b"), "b's line is gone: its live record is all there is")
        #expect(log.isAhead("stuck"))
        // A run that still depends on the log keeps it past a stop.
        log.close()
        #expect(root.list("outbox/checkpoints/r1") == ["00000022.log"])
        log.settled("stuck", finished: true)
        log.close()
        #expect(!root.exists("outbox/checkpoints/r1"), "a clean stop removes the log")
    }

    @Test func aClosedSegmentThatCannotBeRemovedKeepsEveryRunLoggedUntilItGoes() throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem([.init("remove", pathContains: "00000001.log", times: 1)])
        let folder = root.file("outbox/checkpoints/r1")
        let log = CheckpointLog(folder: folder, fileSystem: fs, segmentBytes: 1)
        try log.append(record("a", succeeded: 1), claim: nil)
        log.settled("a", finished: false)
        #expect(log.holds("a"))
        // Segment 1 (a's line, carried along) cannot be removed as b closes it.
        try log.append(record("b", succeeded: 1), claim: nil)
        #expect(root.list("outbox/checkpoints/r1") == ["00000001.log", "00000002.log"])
        #expect(log.holds("a"), "a's old line is still on disk, so its newer states must still be appended before they are published")
        try log.append(record("a", succeeded: 2), claim: nil)
        log.settled("a", finished: false)
        #expect(root.list("outbox/checkpoints/r1") == ["00000003.log"], "the leftover went with the next rotation")
        #expect(succeeded(CheckpointLog.read(folder: folder, fileSystem: fs)["a"]) == 2, "the newest state is a's last line")
        try log.append(record("c", succeeded: 1), claim: nil)
        #expect(!log.holds("a"), "with no older segment left, a settled run is forgotten again")
    }

    @Test func strictRotationFlushesTheCopiesBeforeTheClosedSegmentGoes() throws {
        let root = try TemporaryRoot()
        let folder = root.file("outbox/checkpoints/r1")
        let fs = FaultyFileSystem()
        let log = CheckpointLog(folder: folder, fileSystem: fs, segmentBytes: 1, durable: true)
        try log.append(record("a", succeeded: 1), claim: "a.json")
        let operations = fs.operations
        let flushed = try #require(operations.firstIndex(of: "sync " + Path.join(folder, "00000001.log")))
        let folderFlushed = try #require(operations.firstIndex(of: "syncDirectory " + folder))
        let removed = try #require(operations.firstIndex(of: "remove " + Path.join(folder, "00000000.log")))
        #expect(flushed < removed && folderFlushed < removed)

        let fast = FaultyFileSystem()
        try CheckpointLog(folder: root.file("outbox/checkpoints/r2"), fileSystem: fast, segmentBytes: 1).append(record("a", succeeded: 1), claim: nil)
        #expect(!fast.operations.contains { $0.hasPrefix("sync") }, "fast durability flushes nothing")
        #expect(fast.operations.contains("remove " + root.file("outbox/checkpoints/r2/00000000.log")))
    }

    @Test func aRunWithLinesKeepsBeingLoggedAfterItPublishes() throws {
        let root = try TemporaryRoot()
        let log = CheckpointLog(folder: root.file("outbox/checkpoints/r1"), fileSystem: PosixFileSystem())
        #expect(!log.holds("a"))
        try log.append(record("a", succeeded: 1), claim: nil)
        #expect(log.isAhead("a"))
        log.settled("a", finished: false)
        #expect(log.holds("a"), "its later states are appended before they are published, so the log is never older")
        #expect(!log.isAhead("a"))
        log.settled("a", finished: true)
        #expect(!log.holds("a"))
    }
}

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
        try root.drop("quick.json", RequestText.make(id: "quick", steps: [
            #"{"id": "a", "provider": "probe-instant"}"#, #"{"id": "b", "provider": "probe-instant"}"#, #"{"id": "c", "provider": "probe-instant"}"#,
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
        try root.drop("done.json", RequestText.make(id: "done", steps: [
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
        let root = try TemporaryRoot()
        try root.drop("mixed.json", RequestText.make(id: "mixed", steps: [
            #"{"id": "a", "provider": "probe-waiting"}"#, #"{"id": "b", "provider": "probe-instant"}"#, #"{"id": "c", "provider": "probe-instant"}"#,
        ]))
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)
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
        try root.drop("held.json", RequestText.make(id: "held", steps: [
            #"{"id": "a", "provider": "probe-waiting"}"#, #"{"id": "b", "provider": "probe-instant"}"#, #"{"id": "c", "provider": "probe-instant"}"#,
        ]))
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)
        // Another runner, alive, has since taken the run over.
        let text = try #require(root.read("outbox/running/held.json"))
        let taken = text.replacingOccurrences(of: "testhost:4242", with: "otherhost:7").replacingOccurrences(of: "testhost-4242", with: "otherhost-7")
        #expect(taken != text)
        try root.write("outbox/running/held.json", taken)
        let live = root.json("outbox/running/held.json")
        try root.write("outbox/runners/otherhost-7.json", #"{"runner": "otherhost:7"}"#)

        let summary = try await runNext(root, executions)
        #expect(summary.count(.succeeded) == 0)
        #expect(root.json("outbox/running/held.json") == live, "left as the other runner wrote it")
        #expect(executions["held/c"] == 1)
        #expect(root.list("outbox/checkpoints").isEmpty, "the dead runner's log was removed all the same")
    }

    @Test func aRecovererKilledAfterMovingAClaimLeavesItsRunToTheNextFromTheSameState() async throws {
        let root = try TemporaryRoot()
        try root.drop("quick.json", RequestText.make(id: "quick", steps: instantSteps()))
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)

        // Runner 4243 is killed after it moved the claim into its folder, before the record being taken over is written.
        let dying = FaultyFileSystem([.kills(before: "writeNew", pathContains: Recovery.takeoverSuffix)])
        _ = try? await runNext(root, executions, fileSystem: dying)
        #expect(dying.isDead)
        #expect(root.list("outbox/claimed/testhost-4243") == ["quick.json"])
        #expect(CheckpointLog.read(folder: root.file("outbox/checkpoints/testhost-4243"), fileSystem: PosixFileSystem())["quick"]?.claim == "quick.json",
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
        try root.drop("x.json", RequestText.make(id: "x", steps: [
            #"{"id": "a", "provider": "probe-waiting"}"#, #"{"id": "b", "provider": "probe-instant"}"#, #"{"id": "c", "provider": "probe-instant"}"#,
        ]))
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
        try root.drop("x.json", RequestText.make(id: "x", steps: [
            #"{"id": "a", "provider": "probe-waiting"}"#, #"{"id": "b", "provider": "probe-instant"}"#, #"{"id": "c", "provider": "probe-instant"}"#,
        ]))
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)
        try relog(root, "x", claim: "a.json")
        try root.write("outbox/claimed/testhost-4242/a.json", RequestText.make(id: "y", steps: instantSteps(2)))
        // A live runner is taking x over (applying an approval, say): its record is in that runner's folder.
        try keepAlive(root, "otherhost-7")
        let takeover = "outbox/claimed/otherhost-7/x" + Recovery.takeoverSuffix
        try root.write(takeover, try #require(root.read("outbox/running/x.json")))
        try PosixFileSystem().remove(root.file("outbox/running/x.json"))

        let summary = try await runNext(root, executions)
        #expect(summary.count(.succeeded) == 1, "y ran")
        #expect(root.json("outbox/results/y.json")?["status"] == "succeeded")
        #expect(root.exists(takeover), "x is left to the runner taking it over")
        #expect(!root.exists("outbox/results/x.json"))
        #expect(root.list("outbox/rejected").isEmpty)
    }

    @Test func aRunHeldByALiveRunnerIsNotEvenMovedAside() async throws {
        let root = try TemporaryRoot()
        try root.drop("held.json", RequestText.make(id: "held", steps: [
            #"{"id": "a", "provider": "probe-waiting"}"#, #"{"id": "b", "provider": "probe-instant"}"#, #"{"id": "c", "provider": "probe-instant"}"#,
        ]))
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)
        var live = try #require(root.read("outbox/running/held.json"))
        live = live.replacingOccurrences(of: "testhost:4242", with: "otherhost:7").replacingOccurrences(of: "testhost-4242", with: "otherhost-7")
        try root.write("outbox/running/held.json", live)
        try keepAlive(root, "otherhost-7")

        let watching = FaultyFileSystem()
        _ = try await runNext(root, executions, fileSystem: watching)
        #expect(root.read("outbox/running/held.json") == live)
        #expect(!watching.operations.contains { $0.hasPrefix("rename " + root.file("outbox/running/held.json")) },
            "a live runner's record is read, never renamed away, even for a moment")
    }

    @Test func recordsOfARunnerWhoseLogWasNotReadAreLeftForTheNextScan() async throws {
        let root = try TemporaryRoot()
        try root.drop("mixed.json", RequestText.make(id: "mixed", steps: [
            #"{"id": "a", "provider": "probe-waiting"}"#, #"{"id": "b", "provider": "probe-instant"}"#, #"{"id": "c", "provider": "probe-instant"}"#,
        ]))
        let executions = Executions()
        try await runAndDieBeforeTheResult(root, executions)
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
            try root.drop("r\(i).json", RequestText.make(id: "r\(i)", steps: [
                #"{"id": "a", "provider": "\#(first)"}"#, #"{"id": "b", "provider": "probe-instant"}"#, #"{"id": "c", "provider": "probe-instant"}"#,
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
                try? PosixFileSystem().writeNew(Path.join(folder, "outbox/results/x.json"), Array(#"{"runId": "x", "status": "succeeded"}"#.utf8), sync: false)
            }
            return ["step": .string(context.stepId)]
        }
        let context = root.engine(registry: registry, identity: dead)
        _ = try await Runner(context: context).runOnce()
        context.audit.close()
        #expect(root.read("outbox/results/x.json") == #"{"runId": "x", "status": "succeeded"}"#, "left as the other runner wrote it")
        #expect(root.list("outbox/checkpoints").isEmpty, "a run lost to another runner does not keep the log past a clean stop")
    }
}
