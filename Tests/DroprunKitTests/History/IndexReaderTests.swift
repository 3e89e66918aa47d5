import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `IndexReader`: newest first across days and writers, filters, dedupe, purged and torn lines, and what it reads.
@Suite struct IndexReaderTests {
    typealias H = HistoryFixture

    func reader(_ root: TemporaryRoot, _ fs: any FileSystem = PosixFileSystem(), chunkBytes: Int = IndexReader.defaultChunkBytes) -> IndexReader {
        IndexReader(layout: RootLayout(root: root.path), fileSystem: fs, chunkBytes: chunkBytes)
    }

    func ids(_ page: IndexReader.Page) -> [String] { page.entries.map(\.runId) }

    /// Index files read, by file name, in the order read.
    func indexReads(_ fs: FaultyFileSystem) -> [String] {
        var names: [String] = []
        for op in fs.operations where op.hasPrefix("read ") && op.contains("/outbox/index/") {
            let name = Path.name(String(op.dropFirst(5)))
            if names.last != name { names.append(name) }
        }
        return names
    }

    @Test func newestFirstByCreationAcrossDaysAndWritersThenByRunId() throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        // A run created first may finish last (a day later), and two writers' lines interleave in time.
        try h.index(
            [H.entry("long", created: H.at(-86_400), runsFor: 86_500), H.entry("b", created: H.at(10)), H.entry("d", created: H.at(30))],
            writer: "host-1-i1")
        try h.index([H.entry("a", created: H.at(10)), H.entry("c", created: H.at(20)), H.entry("old", created: H.at(-90_000))], writer: "host-2-i2")
        let page = try reader(root).newest(IndexQuery(), limit: 10)
        #expect(ids(page) == ["d", "c", "a", "b", "long", "old"])
        #expect(page.unreadableLines == 0)
        #expect(ids(try reader(root).newest(IndexQuery(), limit: 3)) == ["d", "c", "a"])
    }

    @Test func aRunInTwoFilesIsKeptOnce() throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        let run = H.entry("twice", created: H.at(0))
        try h.index([run, H.entry("other", created: H.at(-5))], writer: "host-1-i1")
        // A rebuild beside the runner's file, and a line the runner repaired after a crash.
        try h.index([run], writer: "reindex-20261201T130000Z-99")
        try h.index([run], writer: "host-1-i1")
        #expect(ids(try reader(root).newest(IndexQuery(), limit: 10)) == ["twice", "other"])
        #expect(ids(try reader(root).newest(IndexQuery(), limit: 1)) == ["twice"])
    }

    static let mixed: [IndexEntry] = [
        H.entry("ok-1", created: H.at(0), labels: ["tenant": "acme", "tier": "gold"]),
        H.entry("fail-1", created: H.at(-10), status: .failed, workflow: "deploy", labels: ["tenant": "acme"], error: "step_timeout", step: "fetch"),
        H.entry("fail-2", created: H.at(-20), status: .failed, workflow: "build", labels: ["tenant": "zeta", "tier": "gold"]),
        H.entry("gone-1", created: H.at(-30), status: .cancelled, workflow: "deploy"),
        // A label whose key is "status" and value "failed": the status filter's bytes are in the line, the status is not.
        H.entry("tricky", created: H.at(-40), workflow: "deploy", labels: ["status": "failed", "q\"uote": "é/ü"]),
        H.entry("old-fail", created: H.at(-7_200), status: .failed, workflow: "deploy", error: "step_timeout", step: "fetch"),
    ]

    @Test(arguments: [
        (IndexQuery(statuses: [.failed]), ["fail-1", "fail-2", "old-fail"]),
        (IndexQuery(statuses: [.failed, .cancelled]), ["fail-1", "fail-2", "gone-1", "old-fail"]),
        (IndexQuery(workflow: "deploy"), ["fail-1", "gone-1", "tricky", "old-fail"]),
        (IndexQuery(labels: [.init(key: "tenant", value: "acme")]), ["ok-1", "fail-1"]),
        (IndexQuery(labels: [.init(key: "tenant", value: "acme"), .init(key: "tier", value: "gold")]), ["ok-1"]),
        (IndexQuery(labels: [.init(key: "q\"uote", value: "é/ü")]), ["tricky"]),
        (IndexQuery(labels: [.init(key: "status", value: "failed")]), ["tricky"]),
        (IndexQuery(errorCode: "step_timeout"), ["fail-1", "old-fail"]),
        (IndexQuery(since: H.at(-20)), ["ok-1", "fail-1", "fail-2"]),
        (IndexQuery(until: H.at(-20)), ["gone-1", "tricky", "old-fail"]),
        (IndexQuery(since: H.at(-3_600), until: H.at(-10)), ["fail-2", "gone-1", "tricky"]),
        (IndexQuery(statuses: [.failed], workflow: "deploy", errorCode: "step_timeout", since: H.at(-60)), ["fail-1"]),
        (IndexQuery(after: ListPosition(time: H.at(-10), runId: "fail-1")), ["fail-2", "gone-1", "tricky", "old-fail"]),
        (IndexQuery(statuses: [.failed], after: ListPosition(time: H.at(-10), runId: "fail-1")), ["fail-2", "old-fail"]),
        (IndexQuery(workflow: "nope"), []),
    ])
    func everyFilterAndTheirCombinations(_ query: IndexQuery, _ expected: [String]) throws {
        let root = try TemporaryRoot()
        try H(root: root).index(Self.mixed)
        for chunk in [IndexReader.defaultChunkBytes, 97] {
            #expect(ids(try reader(root, chunkBytes: chunk).newest(query, limit: 10)) == expected, "chunk \(chunk)")
        }
    }

    /// Ties on createdAt are ordered by run id, and `after` continues exactly after the tied row.
    @Test func tiesOnCreationArePagedByRunId() throws {
        let root = try TemporaryRoot()
        try H(root: root).index(["c", "a", "e", "b", "d"].map { H.entry($0, created: H.at(0)) } + [H.entry("z", created: H.at(-1))])
        let r = reader(root)
        #expect(ids(try r.newest(IndexQuery(), limit: 10)) == ["a", "b", "c", "d", "e", "z"])
        #expect(ids(try r.newest(IndexQuery(after: ListPosition(time: H.at(0), runId: "b")), limit: 2)) == ["c", "d"])
        #expect(ids(try r.newest(IndexQuery(after: ListPosition(time: H.at(0), runId: "e")), limit: 2)) == ["z"])
    }

    /// Lines cut anywhere by the chunks are put together again: every chunk size reads the same runs.
    @Test func chunkBoundariesAnywhereReadTheSameRuns() throws {
        let root = try TemporaryRoot()
        var entries: [IndexEntry] = []
        for i in 0..<40 {
            // Lines of different lengths, one longer than most chunks.
            let labels = i == 17 ? ["big": String(repeating: "x", count: 3_000)] : ["n": String(repeating: "y", count: i)]
            entries.append(
                H.entry(String(format: "r%02d", i), created: H.at(Double(i * 60)), status: i % 3 == 0 ? .failed : .succeeded, labels: labels))
        }
        try H(root: root).index(entries)
        let all = entries.map(\.runId).reversed().map { $0 }
        for chunk in [1, 2, 7, 64, 333, 1_000, 4_096, 1 << 20] {
            let page = try reader(root, chunkBytes: chunk).newest(IndexQuery(), limit: 100)
            #expect(ids(page) == all, "chunk \(chunk)")
            #expect(page.unreadableLines == 0, "chunk \(chunk)")
            #expect(page.entries.first { $0.runId == "r17" }?.labels["big"]?.count == 3_000)
        }
    }

    @Test func aTornLastLineAndAGarbledLineAreSkippedAndCounted() throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        try h.index([H.entry("first", created: H.at(0))])
        let file = h.indexFile(day: "2026-12-01")
        try h.append(Array("{\"audit\":[],\"createdAt\":\"garbled\n".utf8), to: file)
        try h.index([H.entry("second", created: H.at(10))])
        // A power cut in the middle of a write: the last line has no newline.
        try h.append(Array(H.entry("torn", created: H.at(20)).line.dropLast(30)), to: file)
        for chunk in [IndexReader.defaultChunkBytes, 50, 3] {
            let page = try reader(root, chunkBytes: chunk).newest(IndexQuery(), limit: 10)
            #expect(ids(page) == ["second", "first"], "chunk \(chunk)")
            #expect(page.unreadableLines == 2, "chunk \(chunk)")
        }
    }

    @Test func aLineLongerThanTheLimitIsSkippedAndCounted() throws {
        let root = try TemporaryRoot()
        try H(root: root).index([
            H.entry("before", created: H.at(0)), H.entry("huge", created: H.at(5), labels: ["x": String(repeating: "x", count: 5_000)]),
            H.entry("after", created: H.at(10)),
        ])
        for chunk in [64, 1_000, IndexReader.defaultChunkBytes] {
            var r = reader(root, chunkBytes: chunk)
            r.maxLineBytes = 1_000
            let page = try r.newest(IndexQuery(), limit: 10)
            // A chunk holding the whole line reads it: the limit is on a line put together from several chunks.
            #expect(ids(page) == (chunk < 5_000 ? ["after", "before"] : ["after", "huge", "before"]), "chunk \(chunk)")
            #expect(page.unreadableLines == (chunk < 5_000 ? 1 : 0), "chunk \(chunk)")
        }
    }

    /// Lines are parsed only when their bytes can match: a garbled line without the status asked for is not even looked at.
    @Test func aLineWhoseBytesCannotMatchIsNotParsed() throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        let file = h.indexFile(day: "2026-12-01")
        // Read last, once the page is full, and older than its oldest row: not parsed either.
        try h.append(Array(#"{"createdAt":"2026-12-01T11:00:00.000Z",garbled"#.utf8) + [0x0A], to: file)
        try h.index([H.entry("ok", created: H.at(0)), H.entry("bad", created: H.at(-5), status: .failed)])
        try h.append(Array(#"{"createdAt":"2026-12-01T12:00:09.000Z","status":"succeeded",garbled"#.utf8) + [0x0A], to: file)
        try h.append(Array(#"{"createdAt":"2026-12-01T12:00:08.000Z","status":"failed",garbled"#.utf8) + [0x0A], to: file)
        let failed = try reader(root).newest(IndexQuery(statuses: [.failed]), limit: 5)
        #expect(ids(failed) == ["bad"])
        #expect(failed.unreadableLines == 1, "only the garbled line holding \"status\":\"failed\" was parsed")
        let deploy = try reader(root).newest(IndexQuery(workflow: "deploy", errorCode: "boom"), limit: 5)
        #expect(deploy.entries.isEmpty && deploy.unreadableLines == 0)
        let newest = try reader(root).newest(IndexQuery(), limit: 1)
        #expect(ids(newest) == ["ok"])
        #expect(newest.unreadableLines == 2, "the two garbled lines newer than ok; not the older one")
    }

    /// A write cut exactly before its newline left a whole line: it is read.
    @Test func aWholeLastLineWithoutItsNewlineIsRead() throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        try h.index([H.entry("first", created: H.at(0))])
        let last = H.entry("last", created: H.at(10))
        try h.append(Array(last.line.dropLast()), to: h.indexFile(day: "2026-12-01"))
        try h.writeResult(last)
        for chunk in [IndexReader.defaultChunkBytes, 50, 3] {
            let page = try reader(root, chunkBytes: chunk).newest(IndexQuery(), limit: 10)
            #expect(ids(page) == ["last", "first"], "chunk \(chunk)")
            #expect(page.unreadableLines == 0, "chunk \(chunk)")
        }
    }

    @Test func aRunWhoseResultIsGoneIsNotKept() throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        try h.index([H.entry("kept", created: H.at(0)), H.entry("older", created: H.at(-10))])
        try h.index([H.entry("purged", created: H.at(5))], results: false)
        let fs = FaultyFileSystem()
        let page = try reader(root, fs).newest(IndexQuery(), limit: 2)
        #expect(ids(page) == ["kept", "older"])
        // One stat per row kept (and one for the row that was gone).
        #expect(fs.infoCalls(inside: root.file("outbox/results")) == 3)
        #expect(ids(try reader(root).newest(IndexQuery(), limit: 5, skipPurged: false)) == ["purged", "kept", "older"])
    }

    /// Once `limit` rows are kept, a day that ended before the oldest of them was created is not read, nor any older.
    @Test func theFirstPageReadsOnlyTheNewestFile() throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        for day in 0..<3 {
            try h.index((0..<30).map { H.entry("d\(day)-\($0)", created: H.at(Double(day) * 86_400 + Double($0) * 60)) })
        }
        let fs = FaultyFileSystem()
        let page = try reader(root, fs, chunkBytes: 1_024).newest(IndexQuery(), limit: 11)
        #expect(ids(page) == (19..<30).reversed().map { "d2-\($0)" })
        #expect(indexReads(fs) == ["2026-12-03~testhost-1-i1.jsonl"])
        #expect(page.filesRead.map(Path.name) == ["2026-12-03~testhost-1-i1.jsonl"])
        // Asked for more than the newest day holds, the day before is read too, and no more.
        let more = FaultyFileSystem()
        #expect(try reader(root, more).newest(IndexQuery(), limit: 31).entries.last?.runId == "d1-29")
        #expect(indexReads(more) == ["2026-12-03~testhost-1-i1.jsonl", "2026-12-02~testhost-1-i1.jsonl"])
    }

    /// A run created just before midnight and finished just after is in the next day's file: the day before is still read
    /// while a kept row could be newer than runs it holds.
    @Test func aDayIsReadWhileItsRunsCanStillEnter() throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        // 2026-12-02 holds one run created at 00:00:01 (within the slack of midnight), 2026-12-01 one created at 23:59:59.
        try h.index([H.entry("late", created: H.at(43_199), runsFor: 0.5)])
        try h.index([H.entry("early", created: H.at(43_201), runsFor: 1)])
        let fs = FaultyFileSystem()
        #expect(ids(try reader(root, fs).newest(IndexQuery(), limit: 1)) == ["early"])
        #expect(indexReads(fs).count == 2, "the day before may hold a run created after 00:00:01 less the slack: \(indexReads(fs))")
    }

    @Test func daysBeforeSinceAreNotOpened() throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        for day in 0..<5 {
            try h.index([
                H.entry("d\(day)-f", created: H.at(Double(day) * 86_400), status: .failed),
                H.entry("d\(day)-s", created: H.at(Double(day) * 86_400 + 1)),
            ])
        }
        let fs = FaultyFileSystem()
        // Since 2026-12-03T12:00: that day and later; 2026-12-02 ended (plus the slack) before it.
        let page = try reader(root, fs).newest(IndexQuery(statuses: [.failed], since: H.at(3 * 86_400 - 86_400)), limit: 50)
        #expect(ids(page) == ["d4-f", "d3-f", "d2-f"])
        #expect(indexReads(fs) == ["2026-12-05~testhost-1-i1.jsonl", "2026-12-04~testhost-1-i1.jsonl", "2026-12-03~testhost-1-i1.jsonl"])
        #expect(!fs.operations.contains { $0.contains("2026-12-01~") || $0.contains("2026-12-02~") })
    }

    /// A runner also appends lines it repairs (a run another runner finished and died before indexing) with their older
    /// finishedAt: a stop at such a line would hide the newer lines before it.
    @Test func aRepairedLineAppendedLateDoesNotHideNewerRuns() throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        try h.index([
            H.entry("a", created: H.at(3_600), runsFor: 60),
            // Repaired at about 13:30, for a run that finished at 00:01.
            H.entry("repaired", created: H.at(-43_140), runsFor: 60),
            // Created at 10:00, finished at 14:00.
            H.entry("c", created: H.at(-7_200), runsFor: 14_400),
            H.entry("d", created: H.at(8_400), runsFor: 600),
        ])
        #expect(ids(try reader(root).newest(IndexQuery(), limit: 2)) == ["d", "a"])
    }

    @Test func anIndexFileThatCannotBeReadIsNamedAndTheOthersAreRead() throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        try h.index([H.entry("ok", created: H.at(0))])
        try FileManager.default.createDirectory(atPath: h.indexFile(day: "2026-12-01", writer: "folder-1-i1"), withIntermediateDirectories: true)
        let page = try reader(root).newest(IndexQuery(), limit: 5)
        #expect(ids(page) == ["ok"])
        #expect(page.unreadableFiles.map { Path.name($0.path) } == ["2026-12-01~folder-1-i1.jsonl"])
        #expect(page.unreadableFiles.first?.reason.contains("folder") == true, "\(page.unreadableFiles)")
        let failing = FaultyFileSystem([.init("read", pathContains: "2026-12-01~testhost", code: EIO)])
        #expect(try reader(root, failing).newest(IndexQuery(), limit: 5).unreadableFiles.count == 2)
    }

    @Test func anEmptyOrMissingIndexHasNoRuns() throws {
        let root = try TemporaryRoot()
        #expect(try reader(root).newest(IndexQuery(), limit: 5).entries.isEmpty)
        try FileManager.default.removeItem(atPath: root.file("outbox/index"))
        #expect(try reader(root).newest(IndexQuery(), limit: 5).entries.isEmpty)
        #expect(!reader(root).isBuilt)
    }

    @Test func timesAreReadInPlaceAsTimestampWritesThem() {
        for text in [
            "2026-12-01T12:00:00.000Z", "1970-01-01T00:00:00.001Z", "2000-02-29T23:59:59.999Z", "1969-12-31T23:59:59.000Z",
            "0001-03-01T00:00:00.000Z",
        ] {
            let millis = Array(text.utf8).withUnsafeBufferPointer { IndexLineBytes.millis($0) }
            let expected = Timestamp.parse(text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
            #expect(millis == expected, "\(text)")
        }
        for text in ["2026-12-01T12:00:00Z", "2026-13-01T12:00:00.000Z", "2026-12-01 12:00:00.000Z", "2026-12-01T12:00:0x.000Z"] {
            #expect(Array(text.utf8).withUnsafeBufferPointer { IndexLineBytes.millis($0) } == nil, "\(text)")
        }
    }
}
