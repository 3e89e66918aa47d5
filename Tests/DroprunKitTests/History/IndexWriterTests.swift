import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A runner's index files: one per UTC day of `finishedAt`, one line per `write(2)`.
@Suite struct IndexWriterTests {
    static func entry(_ runId: String, finishedAt: String) -> IndexEntry {
        let finished = Timestamp.parse(finishedAt) ?? Date()
        return IndexEntry(
            runId: runId, status: .succeeded, workflowName: "w", workflowVersion: "1", labels: [:], createdAt: finished.addingTimeInterval(-1),
            finishedAt: finished, durationMs: 1000, errorCode: nil, errorStep: nil, requestSHA256: "abc", audit: ["x.jsonl"])
    }

    @Test func linesGoToTheFileOfTheirDayAndAnOlderDayIsAppendedToWithoutLeavingTheNewest() throws {
        let root = try TemporaryRoot()
        let writer = IndexWriter(layout: root.layout, writer: "host-1", fileSystem: PosixFileSystem())
        defer { writer.close() }
        try writer.append(Self.entry("a", finishedAt: "2026-12-01T10:00:00.000Z"))
        try writer.append(Self.entry("b", finishedAt: "2026-12-01T23:59:59.999Z"))
        try writer.append(Self.entry("c", finishedAt: "2026-12-02T00:00:00.000Z"))
        try writer.append(Self.entry("old", finishedAt: "2026-11-30T12:00:00.000Z"))
        try writer.append(Self.entry("d", finishedAt: "2026-12-02T00:00:01.000Z"))
        #expect(root.list("outbox/index") == ["2026-11-30~host-1.jsonl", "2026-12-01~host-1.jsonl", "2026-12-02~host-1.jsonl"])
        let ids = { (name: String) in
            (root.read("outbox/index/" + name) ?? "").split(separator: "\n").compactMap { IndexEntry(line: Array($0.utf8))?.runId }
        }
        #expect(ids("2026-12-01~host-1.jsonl") == ["a", "b"])
        #expect(ids("2026-12-02~host-1.jsonl") == ["c", "d"])
        #expect(ids("2026-11-30~host-1.jsonl") == ["old"])
        #expect(
            root.read("outbox/index/2026-12-01~host-1.jsonl")
                == String(
                    decoding: Self.entry("a", finishedAt: "2026-12-01T10:00:00.000Z").line
                        + Self.entry("b", finishedAt: "2026-12-01T23:59:59.999Z").line, as: UTF8.self))
    }

    @Test func aLineCutShortIsNotGluedToTheNextOne() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/index/2026-12-01~host-1.jsonl", #"{"audit":[],"createdAt":"2026-12-01T1"#)
        let writer = IndexWriter(layout: root.layout, writer: "host-1", fileSystem: PosixFileSystem())
        defer { writer.close() }
        try writer.append(Self.entry("a", finishedAt: "2026-12-01T10:00:00.000Z"))
        try writer.append(Self.entry("b", finishedAt: "2026-12-01T11:00:00.000Z"))
        #expect(root.indexEntries().map(\.runId) == ["a", "b"])
    }

    @Test func aFailedAppendIsThrownAndTheNextLineStandsOnItsOwn() throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem([.init("append", pathContains: "outbox/index", code: ENOSPC, times: 1)])
        let writer = IndexWriter(layout: root.layout, writer: "host-1", fileSystem: fs)
        defer { writer.close() }
        #expect(throws: FileSystemError.self) { try writer.append(Self.entry("a", finishedAt: "2026-12-01T10:00:00.000Z")) }
        try writer.append(Self.entry("b", finishedAt: "2026-12-01T11:00:00.000Z"))
        #expect(root.indexEntries().map(\.runId) == ["b"])
    }
}
