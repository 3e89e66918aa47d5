import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `PurgedIDs` and `PurgeRecord`: the compact record of purged ids, kept fresh with one `stat`.
@Suite struct PurgedIDsTests {
    let at = Date(timeIntervalSince1970: 1_767_225_600)

    func record(_ id: String, days: Double = 0) -> PurgeRecord {
        PurgeRecord(runId: id, finishedAt: at.addingTimeInterval(days * 86_400), purgedAt: at.addingTimeInterval(40 * 86_400), sha256: "ab")
    }

    func append(_ root: TemporaryRoot, _ records: [PurgeRecord]) throws {
        let file = try PosixFileSystem().openForAppending(PurgeRecord.path(root.layout))
        defer { file.close() }
        for r in records { try file.append(r.line) }
    }

    @Test func theLineIsCanonicalAndReadsBack() {
        let r = record("x")
        #expect(
            String(decoding: r.line, as: UTF8.self)
                == #"{"finishedAt":"2026-01-01T00:00:00.000Z","purgedAt":"2026-02-10T00:00:00.000Z","runId":"x","sha256":"ab"}"# + "\n")
        #expect(PurgeRecord(line: r.line.dropLast()) == r)
        #expect(PurgeRecord.runId(inLine: r.line[...]) == "x")
    }

    @Test func lookupFindsPurgedIdsOnlyAndSeesAppendedLines() throws {
        let root = try TemporaryRoot()
        let ids = PurgedIDs(layout: root.layout, fileSystem: PosixFileSystem())
        #expect(ids.lookup("a") == nil)
        try append(root, [record("a"), record("b")])
        #expect(ids.lookup("a") == record("a"))
        #expect(ids.lookup("ab") == nil && ids.lookup("c") == nil)
        // Appended later: read from where the last refresh stopped.
        try append(root, [record("c")])
        #expect(ids.lookup("c") == record("c"))
        #expect(ids.count == 3)
    }

    @Test func aTornLastLineIsReadOnceItIsWhole() throws {
        let root = try TemporaryRoot()
        let ids = PurgedIDs(layout: root.layout, fileSystem: PosixFileSystem())
        let line = record("a").line
        let file = try PosixFileSystem().openForAppending(PurgeRecord.path(root.layout))
        defer { file.close() }
        try file.append(Array(line.prefix(20)))
        ids.refresh()
        #expect(ids.count == 0)
        try file.append(Array(line.dropFirst(20)))
        #expect(ids.lookup("a") == record("a"))
    }

    @Test func aRewrittenFileIsReloadedWhole() throws {
        let root = try TemporaryRoot()
        let ids = PurgedIDs(layout: root.layout, fileSystem: PosixFileSystem())
        try append(root, [record("old", days: -400), record("new")])
        #expect(ids.lookup("old") != nil)
        let dropped = try PurgeRecord.compact(layout: root.layout, fileSystem: PosixFileSystem(), dedupeDays: 365, now: at, sync: false)
        #expect(dropped == 1)
        #expect(ids.lookup("old") == nil && ids.lookup("new") == record("new"))
        #expect(ids.count == 1)
    }

    @Test func manyIdsStaySortedAcrossTheTail() throws {
        let root = try TemporaryRoot()
        let ids = PurgedIDs(layout: root.layout, fileSystem: PosixFileSystem())
        try append(root, (0..<2000).map { record("r\($0)") })
        ids.refresh()
        for batch in 0..<5 {
            try append(root, (0..<300).map { record("t\(batch)-\($0)") })
            ids.refresh()
        }
        #expect(ids.count == 3500)
        for probe in ["r0", "r1999", "t0-0", "t4-299", "t2-150"] { #expect(ids.mayHold(probe), "\(probe)") }
        #expect(!ids.mayHold("nope"))
    }

    @Test func refusalLastsDedupeDaysAfterTheRunFinished() {
        let r = record("a")
        #expect(r.isRefused(at: at.addingTimeInterval(1e9), dedupeDays: nil))
        #expect(r.isRefused(at: at.addingTimeInterval(29 * 86_400), dedupeDays: 30))
        #expect(!r.isRefused(at: at.addingTimeInterval(30 * 86_400), dedupeDays: 30))
    }

    @Test func theNewestLineIsFoundFromTheEndAcrossPieces() throws {
        let root = try TemporaryRoot()
        // More than one 1 MiB piece: the run's line is in the first one.
        try append(root, [record("first")] + (0..<12_000).map { record("filler-\($0)") })
        #expect(PurgeRecord.find("first", layout: root.layout, fileSystem: PosixFileSystem()) == record("first"))
        #expect(PurgeRecord.find("filler-11999", layout: root.layout, fileSystem: PosixFileSystem()) == record("filler-11999"))
        #expect(PurgeRecord.find("filler-1", layout: root.layout, fileSystem: PosixFileSystem())?.runId == "filler-1")
    }
}
