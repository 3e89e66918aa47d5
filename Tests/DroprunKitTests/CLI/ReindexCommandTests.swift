import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun reindex [--json]`.
@Suite struct ReindexCommandTests {
    @Test func saysHowManyRunsWentIntoHowManyDayFiles() async throws {
        let root = try makeRoot()
        try root.write("outbox/results/a.json", IndexBuilderTests.result("a", finishedAt: "2026-12-01T01:00:00.000Z"))
        try root.write("outbox/results/b.json", IndexBuilderTests.result("b", finishedAt: "2026-12-02T01:00:00.000Z"))
        let result = try await droprun(["reindex"], root)
        #expect(result.code == 0)
        #expect(result.stdout == "indexed 2 finished runs into 2 day files (outbox/index/); 0 unreadable\n")
        #expect(Set(root.indexEntries().map(\.runId)) == ["a", "b"])
        #expect(root.exists("outbox/index/.built"))
    }

    @Test func unreadableResultsAreListedAndExitOne() async throws {
        let root = try makeRoot()
        try root.write("outbox/results/a.json", IndexBuilderTests.result("a", finishedAt: "2026-12-01T01:00:00.000Z"))
        try root.write("outbox/results/torn.json", "{")
        let result = try await droprun(["reindex"], root)
        #expect(result.code == 1)
        #expect(
            result.stdout.hasPrefix("indexed 1 finished run into 1 day file (outbox/index/); 1 unreadable\nunreadable: outbox/results/torn.json: "))
        let json = try await droprun(["reindex", "--json"], root)
        #expect(json.code == 1)
        let report = try JSONParser.parse(Array(json.stdout.utf8))
        #expect(report["runs"] == 1)
        #expect(report["unreadable"]?[0]?["file"] == "outbox/results/torn.json")
        #expect(report["files"]?.arrayValue?.count == 1)
        // The second rebuild replaced the first's file (the same second, the same process id): one line for the run.
        #expect(root.indexEntries("a").count == 1)
    }

    @Test func anEmptyRootIndexesNothing() async throws {
        let root = try makeRoot()
        let result = try await droprun(["reindex"], root)
        #expect(result.code == 0)
        #expect(result.stdout == "indexed 0 finished runs into 0 day files (outbox/index/); 0 unreadable\n")
        #expect(root.exists("outbox/index/.built"))
    }

    @Test func usageErrorsExitTwoAndHelpSaysWhatItDoes() async throws {
        let root = try makeRoot()
        let wrong = try await droprun(["reindex", "--nope"], root)
        #expect(wrong.code == 2)
        #expect(wrong.stderr.contains("--nope"))
        let extra = try await droprun(["reindex", "x"], root)
        #expect(extra.code == 2)
        let help = try await droprun(["reindex", "--help"], root)
        #expect(help.code == 0)
        #expect(help.stdout.contains("Rebuild the history index (outbox/index/) from outbox/results/."))
        #expect(try await droprun(["--help"], root).stdout.contains("reindex"))
    }
}

/// `reindex` where `outbox/index` is not a folder, and entries of the index folder that are not index files.
@Suite struct ReindexEdgeTests {
    @Test func aFileAtOutboxIndexIsSaidAndExitsOne() async throws {
        let root = try makeRoot()
        try FileManager.default.removeItem(atPath: root.layout.index)
        try root.write("outbox/index", "x")
        let result = try await droprun(["reindex"], root)
        #expect(result.code == 1)
        #expect(
            result.stderr.contains(
                "outbox/index is not a folder (it is a file): the history index is off until it is moved away; list reads outbox/results/"))
        #expect(root.read("outbox/index") == "x")
    }

    @Test func aLinkNamedLikeAnIndexFileIsNamedAndLeftAlone() async throws {
        let root = try makeRoot()
        try root.write("outbox/results/a.json", IndexBuilderTests.result("a", finishedAt: "2026-12-01T01:00:00.000Z"))
        try root.write("elsewhere.txt", "kept")
        try FileManager.default.createSymbolicLink(
            atPath: root.file("outbox/index/2026-12-01~gone-1.jsonl"), withDestinationPath: root.file("elsewhere.txt"))
        let result = try await droprun(["reindex"], root)
        #expect(result.code == 0)
        #expect(result.stdout.contains("left alone: outbox/index/2026-12-01~gone-1.jsonl: it is a symbolic link, not an index file\n"))
        #expect(root.exists("outbox/index/2026-12-01~gone-1.jsonl"))
    }
}
