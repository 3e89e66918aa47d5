import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun list`: pages with `--after`, rows from every place a run can be, one row per run, and the index's fallbacks.
@Suite struct ListPagingTests {
    typealias H = HistoryFixture

    /// A live record (not finished) as a runner writes it.
    static func liveRecord(_ runId: String, created: Date, status: RunStatus = .running) -> String {
        let at = Timestamp.format(created)
        return """
            {"runId": "\(runId)", "status": "\(status.rawValue)", "workflow": {"name": "w", "version": "1"}, "createdAt": "\(at)",
             "steps": [], "request": {"file": "\(runId).json", "sha256": "", "size": 1, "receivedAt": "\(at)"}}
            """
    }

    /// A rejected drop and its error file.
    static func reject(_ root: TemporaryRoot, _ name: String, id: String, reason: String, at: Date) throws {
        try root.write("outbox/rejected/\(name)", #"{"id": "\#(id)"}"#)
        try root.write(
            "outbox/rejected/\(name).error.json",
            #"{"file": "\#(name)", "reason": "\#(reason)", "rejectedAt": "\#(Timestamp.format(at))", "errors": []}"#)
    }

    /// Writes a file and sets its modification time.
    static func write(_ root: TemporaryRoot, _ relative: String, _ text: String, modified: Date) throws {
        try root.write(relative, text)
        try PosixFileSystem().setModified(root.file(relative), to: modified)
    }

    /// Run ids (or `-`) of a table's rows, and the `--after` its last line offers.
    static func table(_ text: String) -> (ids: [String], next: String?) {
        var ids: [String] = []
        var next: String?
        for line in text.split(separator: "\n").dropFirst() {
            if line.hasPrefix("… more: add --after ") {
                next = line.dropFirst("… more: add --after ".count).components(separatedBy: " for the next page").first
            } else {
                ids.append(String(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
            }
        }
        return (ids, next)
    }

    /// Runs over three days with ties on createdAt, drops, a rejection and a live record: every row from every source.
    func mixedRoot() throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        let h = H(root: root)
        var entries: [IndexEntry] = []
        for i in 0..<21 {
            // Pairs share a creation time: 0 and 1, 2 and 3, ...
            let created = H.at(Double(i / 2) * -9_000)
            entries.append(H.entry(String(format: "run-%02d", 20 - i), created: created, status: i % 4 == 0 ? .failed : .succeeded))
        }
        try h.index(entries)
        try h.markBuilt()
        try Self.write(root, "inbox/drop-a.json", echoRequest(id: nil), modified: H.at(-4_500))
        try Self.write(root, "inbox/drop-b.json", echoRequest(id: nil), modified: H.at(-27_000))
        try Self.reject(root, "bad.json", id: "bad", reason: "invalid_request", at: H.at(-18_000))
        try Self.write(root, "outbox/running/live.json", Self.liveRecord("live", created: H.at(-9_000)), modified: H.at(-9_000))
        return root
    }

    @Test func pagesWithAfterShowEveryRowOnceInOrder() async throws {
        let root = try mixedRoot()
        let cli = CLITester(root: root.path)
        let all = Self.table(await cli.run(["list", "--limit", "1000"]).stdout)
        #expect(all.next == nil)
        #expect(all.ids.count == 25, "\(all.ids)")
        #expect(Set(all.ids).count == 25)
        for limit in [1, 3, 4, 7, 24, 25] {
            var seen: [String] = []
            var after: String?
            var pages = 0
            repeat {
                let result = await cli.run(["list", "--limit", String(limit)] + (after.map { ["--after", $0] } ?? []))
                #expect(result.code == .success, "\(result.stderr)")
                let page = Self.table(result.stdout)
                #expect(page.ids.count == limit || page.next == nil, "a short page offers no next: \(result.stdout)")
                seen += page.ids
                after = page.next
                pages += 1
            } while after != nil && pages < 100
            #expect(seen == all.ids, "limit \(limit)")
        }
    }

    /// The same with `--json`, taking the cursor from the last row (a rejection's by its file).
    @Test func jsonPagesContinueFromTheLastRow() async throws {
        let root = try mixedRoot()
        let cli = CLITester(root: root.path)
        let all = try #require(try JSONParser.parse(await cli.run(["list", "--json"]).stdout).arrayValue)
        var seen: [JSONValue] = []
        var after: [String] = []
        while true {
            let page = try #require(try JSONParser.parse(await cli.run(["list", "--json", "--limit", "5"] + after).stdout).arrayValue)
            seen += page
            guard page.count == 5, let last = page.last else { break }
            let cursor = last["rejectedAs"]?.stringValue.map { "outbox/rejected/" + $0 } ?? last["runId"]?.stringValue ?? ""
            after = ["--after", cursor]
        }
        #expect(seen == all)
        #expect(all.count == 25)
        // run-19 and run-20 were created at one time, as were live, run-17 and run-18: by run id.
        #expect(Array(all.compactMap { $0["runId"]?.stringValue }.prefix(6)) == ["run-19", "run-20", "drop-a", "live", "run-17", "run-18"])
    }

    @Test func theTableEndsWithTheNextPageOnlyWhenThereIsOne() async throws {
        let root = try TemporaryRoot()
        try H(root: root).index([H.entry("b", created: H.at(0)), H.entry("a", created: H.at(0)), H.entry("c", created: H.at(-1))])
        try H(root: root).markBuilt()
        let cli = CLITester(root: root.path)
        let two = await cli.run(["list", "--limit", "2"]).stdout
        #expect(two.hasSuffix("… more: add --after b for the next page\n"), "\(two)")
        let three = await cli.run(["list", "--limit", "3"]).stdout
        #expect(!three.contains("more"), "\(three)")
        #expect(await cli.run(["list", "--after", "c"]).stdout == "no more runs after 'c'\n")
        #expect(Self.table(await cli.run(["list", "--after", "a"]).stdout).ids == ["b", "c"])
    }

    @Test func rowsComeFromEveryPlaceARunCanBeOncePerRun() async throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        let done = H.entry("done", created: H.at(-100))
        let both = H.entry("both", created: H.at(-90))
        try h.index([done, both, H.entry("purged", created: H.at(-80))])
        try FileManager.default.removeItem(atPath: root.file("outbox/results/purged.json"))
        try h.markBuilt()
        // A run indexed whose live record is not removed yet, and one whose runner died between result and index line.
        try root.write("outbox/running/both.json", Self.liveRecord("both", created: both.createdAt))
        let crashed = H.entry("crashed", created: H.at(-70), status: .failed)
        try h.writeResult(crashed)
        try root.write("outbox/running/crashed.json", Self.liveRecord("crashed", created: crashed.createdAt))
        try root.write("outbox/running/live.json", Self.liveRecord("live", created: H.at(-60)))
        try root.write("outbox/running/asks.json", Self.liveRecord("asks", created: H.at(-55), status: .waitingApproval))
        // A killed runner's claims: one of a run of instant steps that finished (result, no index line), one not admitted.
        let quick = H.entry("quick", created: H.at(-50))
        try h.writeResult(quick)
        try root.write("outbox/claimed/host-9-i9/quick.json", echoRequest(id: "quick"))
        try root.write("outbox/claimed/host-9-i9/claimed.json", echoRequest(id: "claimed"))
        try root.write("outbox/claimed/host-8-i8/moving" + RootLayout.takeoverSuffix, Self.liveRecord("moving", created: H.at(-40)))
        try root.drop("waiting.json", echoRequest(id: "waiting"))
        // A second drop of a finished run, about to be refused as a duplicate.
        try root.drop("done.json", echoRequest(id: "done"))
        try Self.reject(root, "bad.json", id: "bad", reason: "invalid_request", at: H.at(-30))
        try Self.reject(root, "done~2.json", id: "done", reason: "duplicate", at: H.at(-20))
        try root.write("outbox/running/broken.json", "{not json")

        let cli = CLITester(root: root.path)
        let result = await cli.run(["list", "--json"])
        let rows = try #require(try JSONParser.parse(result.stdout).arrayValue)
        let pairs = rows.map { ($0["rejectedAs"]?.stringValue ?? $0["runId"]?.stringValue ?? "?", $0["status"]?.stringValue ?? "?") }
        #expect(Set(pairs.map(\.0)).count == pairs.count, "a row twice: \(pairs)")
        #expect(
            Dictionary(pairs, uniquingKeysWith: { a, b in a + "+" + b })
                == [
                    "done": "succeeded", "both": "succeeded", "crashed": "failed", "live": "running", "asks": "waiting_approval",
                    "quick": "succeeded", "claimed": "queued", "moving": "running", "waiting": "queued", "bad.json": "rejected",
                    "done~2.json": "rejected", "broken": "unreadable",
                ], "\(pairs)")
        let text = await cli.run(["list", "--status", "rejected"]).stdout
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(text)")
        #expect(lines.contains { $0.hasPrefix("rejected  done    duplicate") && $0.hasSuffix("outbox/rejected/done~2.json") }, "\(text)")
        #expect(lines.contains { $0.hasPrefix("rejected  bad     invalid_request") }, "the reason instead of a workflow: \(text)")
        let failed = try #require(try JSONParser.parse(await cli.run(["list", "--json", "--status", "failed"]).stdout).arrayValue)
        #expect(failed.map { $0["runId"] } == ["crashed"], "a finished run that is not indexed yet is found by its live record")
        #expect(Self.table(await cli.run(["list", "--status", "queued"]).stdout).ids.sorted() == ["claimed", "waiting"])
    }

    /// Without `outbox/index/.built` the index may be missing runs: finished runs are read from outbox/results/.
    @Test func withoutTheBuiltMarkerResultsAreReadInstead() async throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        try h.index([H.entry("indexed", created: H.at(0))])
        try h.writeResult(H.entry("not-indexed", created: H.at(-10)))
        let cli = CLITester(root: root.path)
        let fs = FaultyFileSystem()
        #expect(Self.table(await cli.run(["list"], fileSystem: fs).stdout).ids == ["indexed", "not-indexed"])
        #expect(!fs.operations.contains { $0.contains("/outbox/index/") }, "the index is not read: \(fs.operations)")
        try h.markBuilt()
        let indexed = FaultyFileSystem()
        #expect(Self.table(await cli.run(["list"], fileSystem: indexed).stdout).ids == ["indexed"])
        #expect(!indexed.operations.contains { $0.hasPrefix("list") && $0.hasSuffix("/outbox/results") }, "results are not listed")
    }

    @Test func skippedIndexLinesAreSaidOnStandardError() async throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        try h.index([H.entry("ok", created: H.at(0))])
        try h.append(Array(H.entry("torn", created: H.at(1)).line.prefix(40)), to: h.indexFile(day: "2026-12-01"))
        try h.markBuilt()
        let result = await CLITester(root: root.path).run(["list", "--json"])
        #expect(result.code == .success)
        #expect(try JSONParser.parse(result.stdout).arrayValue?.map { $0["runId"] } == ["ok"])
        #expect(result.stderr.contains("warning: skipped 1 line of outbox/index/ that could not be read"), "\(result.stderr)")
        #expect(result.stderr.contains("droprun reindex"), "\(result.stderr)")
    }

    /// `--status failed --since 24h` reads the index's last days and `outbox/running/`; not the inbox, rejections or results.
    @Test func aFilteredListingReadsOnlyWhatCanMatch() async throws {
        let root = try mixedRoot()
        let fs = FaultyFileSystem()
        let cli = CLITester(root: root.path, clock: InstantClock(start: H.at(3_600)))
        let ids = Self.table(await cli.run(["list", "--status", "failed", "--since", "24h"], fileSystem: fs).stdout).ids
        #expect(ids == ["run-20", "run-16", "run-12", "run-08", "run-04"], "\(ids)")
        for folder in ["/inbox", "/outbox/rejected", "/outbox/results"] {
            #expect(!fs.operations.contains { $0 == "list " + root.file(String(folder.dropFirst())) }, "\(folder) listed")
        }
    }
}
