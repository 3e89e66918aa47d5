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

    @Test func aNewerSegmentNeverGoesWhileAnOlderOneIsLeft() throws {
        let root = try TemporaryRoot()
        let folder = root.file("outbox/checkpoints/r1")
        // Segment 0 can never be removed; every other one can.
        let log = CheckpointLog(folder: folder, fileSystem: FaultyFileSystem([.init("remove", pathContains: "00000000.log")]), segmentBytes: 1)
        try log.append(record("y", succeeded: 1), claim: nil)
        log.settled("y", finished: false)
        try log.append(record("y", succeeded: 2), claim: nil)
        log.settled("y", finished: false)
        try log.append(record("z", succeeded: 1), claim: nil)
        #expect(log.holds("y"))
        #expect(
            succeeded(CheckpointLog.read(folder: folder, fileSystem: PosixFileSystem())["y"]) == 2,
            "y's newest line stays on disk after its older one in the leftover segment: \(root.list("outbox/checkpoints/r1"))")
    }

    @Test func aFailedAppendClosesItsSegmentSoTheNextLineIsNotJoinedToATornOne() throws {
        let root = try TemporaryRoot()
        let folder = root.file("outbox/checkpoints/r1")
        let fs = FaultyFileSystem()
        let log = CheckpointLog(folder: folder, fileSystem: fs)
        try log.append(record("a", succeeded: 1), claim: nil)
        fs.inject(.init("append", pathContains: "00000000.log", code: ENOSPC, times: 1))
        #expect(throws: FileSystemError.self) { try log.append(record("a", succeeded: 2), claim: nil) }
        // As a full disk would leave it: the start of the failed line.
        let torn = try PosixFileSystem().openForAppending(Path.join(folder, "00000000.log"))
        try torn.append(Array(#"{"claim":null,"rec"#.utf8))
        torn.close()
        try log.append(record("a", succeeded: 2), claim: nil)
        #expect(root.list("outbox/checkpoints/r1") == ["00000000.log", "00000001.log"])
        #expect(succeeded(CheckpointLog.read(folder: folder, fileSystem: fs)["a"]) == 2)
        // The closed segment goes with the next rotation, like any other.
        log.settled("a", finished: true)
        #expect(log.isAhead("a") == false)
    }

    @Test func aLogThatCannotBeReadWholeSaysSo() throws {
        let root = try TemporaryRoot()
        let folder = root.file("outbox/checkpoints/r1")
        let log = CheckpointLog(folder: folder, fileSystem: PosixFileSystem())
        try log.append(record("a", succeeded: 1), claim: nil)
        #expect(CheckpointLog.readAll(folder: folder, fileSystem: PosixFileSystem()).complete)
        let unreadable = FaultyFileSystem([.init("read", pathContains: "00000000.log")])
        let read = CheckpointLog.readAll(folder: folder, fileSystem: unreadable)
        #expect(!read.complete && read.entries.isEmpty)
        #expect(!CheckpointLog.readAll(folder: folder, fileSystem: FaultyFileSystem([.init("list", pathContains: "r1")])).complete)
        #expect(
            CheckpointLog.readAll(folder: root.file("outbox/checkpoints/none"), fileSystem: PosixFileSystem()).complete,
            "no log at all is a whole one")
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
