import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Rebuilding the index from `outbox/results/`, and building it at a runner's start.
@Suite struct IndexBuilderTests {
    static func result(_ runId: String, finishedAt: String, status: String = "succeeded") -> String {
        """
        {"runId": "\(runId)", "status": "\(status)", "workflow": {"name": "w", "version": "1"}, "createdAt": "\(finishedAt)",
         "startedAt": "\(finishedAt)", "finishedAt": "\(finishedAt)", "steps": [], "runnerId": "gone-1",
         "request": {"file": "\(runId).json", "sha256": "s", "size": 1, "receivedAt": "\(finishedAt)"}}
        """
    }

    static func builder(_ root: TemporaryRoot, pid: Int32 = 77, isLive: @escaping @Sendable (String) -> Bool = { _ in false }) -> IndexBuilder {
        IndexBuilder(layout: root.layout, fileSystem: PosixFileSystem(), clock: InstantClock(), durable: false, pid: pid, isLive: isLive)
    }

    func dayFiles(_ root: TemporaryRoot) -> [String] { root.list("outbox/index").filter { IndexFiles.parse(name: $0) != nil } }

    @Test func everyResultBecomesOneLineInTheFileOfItsDaySortedByFinishTime() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/results/late.json", Self.result("late", finishedAt: "2026-12-01T23:00:00.000Z"))
        try root.write("outbox/results/early.json", Self.result("early", finishedAt: "2026-12-01T01:00:00.000Z"))
        try root.write("outbox/results/next.json", Self.result("next", finishedAt: "2026-12-02T00:00:00.000Z", status: "failed"))
        let report = try Self.builder(root).rebuild()
        #expect(report.runs == 3)
        #expect(report.unreadable.isEmpty)
        #expect(report.files.count == 2)
        #expect(dayFiles(root) == report.files)
        #expect(report.files.allSatisfy { IndexFiles.parse(name: $0)?.writer.hasPrefix("reindex-") == true && $0.contains("-77.jsonl") })
        #expect(root.indexEntries().map(\.runId) == ["early", "late", "next"])
        #expect(root.exists("outbox/index/.built"))
    }

    @Test func anUnreadableResultIsReportedAndTheRestIsIndexed() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/results/good.json", Self.result("good", finishedAt: "2026-12-01T01:00:00.000Z"))
        try root.write("outbox/results/torn.json", #"{"runId": "to"#)
        try root.write("outbox/results/open.json", Self.result("open", finishedAt: "2026-12-01T01:00:00.000Z", status: "running"))
        let report = try Self.builder(root).rebuild()
        #expect(report.runs == 1)
        #expect(report.unreadable.map(\.file).sorted() == ["outbox/results/open.json", "outbox/results/torn.json"])
        #expect(root.indexEntries().map(\.runId) == ["good"])
        #expect(root.exists("outbox/index/.built"))
    }

    /// Files whose lines the rebuild holds go; a live runner's files of today and yesterday may still grow and stay.
    /// A live runner's files stay whatever their day (it may append to any: a repair of an old run), and so do those of a
    /// live runner whose host name starts like a rebuild's writer.
    @Test func redundantFilesAreRemovedButNotOnesALiveRunnerMayStillAppendTo() throws {
        let root = try TemporaryRoot()
        let today = IndexFiles.day(of: InstantClock().now())
        try root.write("outbox/results/a.json", Self.result("a", finishedAt: "2025-11-01T01:00:00.000Z"))
        let line = String(decoding: IndexWriterTests.entry("a", finishedAt: "2025-11-01T01:00:00.000Z").line, as: UTF8.self)
        let live = ["2025-11-01~live-2.jsonl", "\(today)~live-2.jsonl", "\(today)~reindex-box-3.jsonl"]
        for name in ["2025-11-01~gone-1.jsonl", "2025-11-01~reindex-20251101T000000Z-9.jsonl"] + live {
            try root.write("outbox/index/" + name, line)
        }
        let report = try Self.builder(root, isLive: { $0 == "live-2" || $0 == "reindex-box-3" }).rebuild()
        #expect(report.removed == 2)
        #expect(Set(dayFiles(root)) == Set(report.files + live))
    }

    /// A link or a named pipe named like an index file is no index file: left alone, and named.
    @Test func aLinkOrAPipeNamedLikeAnIndexFileIsLeftAlone() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/results/a.json", Self.result("a", finishedAt: "2025-11-01T01:00:00.000Z"))
        try root.write("target.txt", "kept")
        try FileManager.default.createSymbolicLink(
            atPath: root.file("outbox/index/2025-11-01~gone-1.jsonl"), withDestinationPath: root.file("target.txt"))
        #expect(mkfifo(root.file("outbox/index/2025-11-02~gone-1.jsonl"), 0o644) == 0)
        let report = try Self.builder(root).rebuild()
        #expect(report.removed == 0)
        #expect(root.exists("outbox/index/2025-11-01~gone-1.jsonl"))
        #expect(root.exists("outbox/index/2025-11-02~gone-1.jsonl"))
        #expect(
            report.notIndexFiles == [
                .init(file: "outbox/index/2025-11-01~gone-1.jsonl", reason: "it is a symbolic link, not an index file"),
                .init(file: "outbox/index/2025-11-02~gone-1.jsonl", reason: "it is a named pipe, not an index file"),
            ])
    }

    /// A line appended while the rebuild reads (a run finishing meanwhile) keeps its file, whoever wrote it.
    @Test func aFileThatGrewDuringTheRebuildStays() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/results/a.json", Self.result("a", finishedAt: "2026-11-01T01:00:00.000Z"))
        let old = root.file("outbox/index/2026-11-01~gone-1.jsonl")
        try root.write("outbox/index/2026-11-01~gone-1.jsonl", "")
        let fs = GrowingFileSystem(whenListing: root.layout.results, append: old)
        let builder = IndexBuilder(layout: root.layout, fileSystem: fs, clock: InstantClock(), durable: false, pid: 77, isLive: { _ in false })
        let report = try builder.rebuild()
        #expect(report.removed == 0)
        #expect(root.exists("outbox/index/2026-11-01~gone-1.jsonl"))
    }

    @Test func twoRebuildsAtOnceLeaveEveryRunIndexed() async throws {
        let root = try TemporaryRoot()
        for n in 0..<200 {
            try root.write("outbox/results/r\(n).json", Self.result("r\(n)", finishedAt: "2026-12-01T01:00:\(n % 60 < 10 ? "0" : "")\(n % 60).000Z"))
        }
        async let first = blockingWork { try Self.builder(root, pid: 1).rebuild() }
        async let second = blockingWork { try Self.builder(root, pid: 2).rebuild() }
        _ = try await (first, second)
        #expect(Set(root.indexEntries().map(\.runId)) == Set((0..<200).map { "r\($0)" }))
        #expect(root.exists("outbox/index/.built"))
    }

    @Test func ensureBuiltWritesOnlyTheMarkerWithoutResultsAndDoesNothingOnceBuilt() throws {
        let root = try TemporaryRoot()
        #expect(try Self.builder(root).ensureBuilt() == nil)
        #expect(root.list("outbox/index") == [".built"])
        try root.write("outbox/results/a.json", Self.result("a", finishedAt: "2026-12-01T01:00:00.000Z"))
        #expect(try Self.builder(root).ensureBuilt() == nil)
        #expect(root.indexEntries().isEmpty)
        try FileManager.default.removeItem(atPath: root.file("outbox/index/.built"))
        #expect(try Self.builder(root).ensureBuilt()?.runs == 1)
        #expect(root.indexEntries().map(\.runId) == ["a"])
    }

    /// `run --once` on a root whose index was never built: built first, said in one line.
    @Test func aRunnerBuildsTheIndexAtStartAndSaysSo() async throws {
        let root = try makeRoot()
        try root.write("outbox/results/old.json", Self.result("old", finishedAt: "2026-11-01T01:00:00.000Z"))
        try root.drop("a.json", echoRequest(id: "a"))
        var context = root.engine()
        context.warnings = RunnerWarnings()
        defer { context.audit.close() }
        _ = try await Runner(context: context).runOnce()
        #expect(context.warnings.notices.count == 1)
        #expect(context.warnings.notices.first?.hasPrefix("built the history index of 1 finished run in ") == true)
        #expect(Set(root.indexEntries().map(\.runId)) == ["old", "a"])
        #expect(root.exists("outbox/index/.built"))

        try root.drop("b.json", echoRequest(id: "b"))
        var again = root.engine()
        again.warnings = RunnerWarnings()
        defer { again.audit.close() }
        _ = try await Runner(context: again).runOnce()
        #expect(again.warnings.notices.isEmpty)
    }
}

/// The real file system, which appends a byte to `append` when `whenListing` is listed (a runner writing a line meanwhile).
final class GrowingFileSystem: FileSystem {
    let base = PosixFileSystem()
    let whenListing: String
    let append: String

    init(whenListing: String, append: String) {
        self.whenListing = whenListing
        self.append = append
    }

    func list(_ directory: String) throws(FileSystemError) -> [DirectoryEntry] {
        if directory == whenListing {
            let file = try base.openForAppending(append)
            try file.append(Array("x\n".utf8))
            file.close()
        }
        return try base.list(directory)
    }
    func info(_ path: String) throws(FileSystemError) -> FileInfo? { try base.info(path) }
    func readRegularFile(_ path: String, maxBytes: Int) throws(ReadFileError) -> [UInt8] { try base.readRegularFile(path, maxBytes: maxBytes) }
    func readRange(_ path: String, offset: Int64, count: Int) throws(ReadFileError) -> [UInt8] {
        try base.readRange(path, offset: offset, count: count)
    }
    func writeAtomically(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FileSystemError) { try base.writeAtomically(path, bytes, sync: sync) }
    func writeNew(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FileSystemError) { try base.writeNew(path, bytes, sync: sync) }
    func writeTemporary(besides path: String, _ bytes: [UInt8]) throws(FileSystemError) -> String { try base.writeTemporary(besides: path, bytes) }
    func rename(_ from: String, to: String) throws(FileSystemError) { try base.rename(from, to: to) }
    func replace(_ from: String, to: String, removeOld: Bool) throws(FileSystemError) -> String? {
        try base.replace(from, to: to, removeOld: removeOld)
    }
    func renameEntry(in directory: String, rawName: [UInt8], to: String) throws(FileSystemError) {
        try base.renameEntry(in: directory, rawName: rawName, to: to)
    }
    func link(_ from: String, to: String) throws(FileSystemError) { try base.link(from, to: to) }
    func remove(_ path: String) throws(FileSystemError) { try base.remove(path) }
    func makeDirectory(_ path: String) throws(FileSystemError) -> Bool { try base.makeDirectory(path) }
    func openForAppending(_ path: String) throws(FileSystemError) -> any AppendableFile { try base.openForAppending(path) }
    func syncDirectory(_ path: String) throws(FileSystemError) { try base.syncDirectory(path) }
    func setModified(_ path: String, to date: Date) throws(FileSystemError) { try base.setModified(path, to: date) }
    func touch(_ path: String) throws(FileSystemError) { try base.touch(path) }
    func overwriteExisting(_ path: String, _ bytes: [UInt8]) throws(FileSystemError) { try base.overwriteExisting(path, bytes) }
    func removeDirectory(_ path: String) throws(FileSystemError) { try base.removeDirectory(path) }
}

extension IndexBuilderTests {
    /// Lines are spilled per day while the results are read; no spill file is left, and a stale one a killed
    /// rebuild left is removed.
    @Test func theSpillFilesOfARebuildAreGoneAfterIt() throws {
        let root = try TemporaryRoot()
        for day in 1...3 {
            for n in 0..<5 {
                try root.write(
                    "outbox/results/r\(day)-\(n).json", IndexBuilderTests.result("r\(day)-\(n)", finishedAt: "2026-12-0\(day)T0\(5 - n):00:00.000Z"))
            }
        }
        try root.write("outbox/index/.reindex-old-1~2026-11-30.spill", "{}\n")
        try PosixFileSystem().setModified(root.file("outbox/index/.reindex-old-1~2026-11-30.spill"), to: Date(timeIntervalSince1970: 0))
        let report = try IndexBuilderTests.builder(root).rebuild()
        #expect(report.runs == 15 && report.files.count == 3)
        #expect(root.list("outbox/index").filter { $0.hasSuffix(".spill") }.isEmpty, "\(root.list("outbox/index"))")
        for file in report.files {
            let lines = (root.read("outbox/index/" + file) ?? "").split(separator: "\n").compactMap { IndexEntry(line: Array($0.utf8)) }
            #expect(lines.count == 5 && lines.map { $0.finishedAt } == lines.map { $0.finishedAt }.sorted())
        }
    }
}
