import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `list` on an indexed root: unreadable results, the rows' `cursor`, an `outbox/index` that is not a folder, the
/// words for an empty page.
@Suite struct ListIndexEdgeTests {
    typealias H = HistoryFixture

    /// A corrupt result has no index line: `--status unreadable` reads the results for it, index or not.
    @Test func unreadableResultsAreListedWhenAskedForEvenWithAnIndex() async throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        try h.index([H.entry("fine", created: H.at(0))])
        try h.markBuilt()
        try root.write("outbox/results/x.json", "{not json")
        let cli = CLITester(root: root.path)
        let rows = try #require(try JSONParser.parse(await cli.run(["list", "--json", "--status", "unreadable"]).stdout).arrayValue)
        #expect(rows.compactMap { $0["runId"]?.stringValue } == ["x"])
        #expect(rows.first?["record"] == "outbox/results/x.json")
        // Unfiltered, an indexed root lists the index's rows (and unreadable records of outbox/running/ only).
        #expect(ListPagingTests.table(await cli.run(["list"]).stdout).ids == ["fine"])
    }

    /// Every `--json` row says what `--after` takes for it: a rejected duplicate's is not the run id it repeats.
    @Test func everyJsonRowCarriesItsCursor() async throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        try h.index([H.entry("done", created: H.at(-100)), H.entry("older", created: H.at(-200))])
        try h.markBuilt()
        try ListPagingTests.reject(root, "done~2.json", id: "done", reason: "duplicate", at: H.at(-50))
        let cli = CLITester(root: root.path)
        let rows = try #require(try JSONParser.parse(await cli.run(["list", "--json"]).stdout).arrayValue)
        #expect(rows.compactMap { $0["cursor"]?.stringValue } == ["outbox/rejected/done~2.json", "done", "older"])
        #expect(rows.first?["runId"] == "done")
        let next = try #require(try JSONParser.parse(await cli.run(["list", "--json", "--after", "outbox/rejected/done~2.json"]).stdout).arrayValue)
        #expect(next.compactMap { $0["cursor"]?.stringValue } == ["done", "older"])
    }

    /// A link at `outbox/index` (to a folder with a marker): the runner writes no line there, so `list` reads the results.
    @Test func anIndexThatIsALinkIsNotRead() async throws {
        let root = try TemporaryRoot()
        let h = H(root: root)
        try h.index([H.entry("stale", created: H.at(0))])
        try h.markBuilt()
        try h.writeResult(H.entry("later", created: H.at(10)))
        try FileManager.default.moveItem(atPath: root.layout.index, toPath: root.file("elsewhere"))
        try FileManager.default.createSymbolicLink(atPath: root.layout.index, withDestinationPath: root.file("elsewhere"))
        #expect(ListPagingTests.table(await CLITester(root: root.path).run(["list"]).stdout).ids == ["later", "stale"])
    }

    @Test func anEmptyPageSaysWhichTimesItCovers() async throws {
        let root = try TemporaryRoot()
        let cli = CLITester(root: root.path)
        let both = await cli.run(["list", "--since", "2026-12-01", "--until", "2026-12-02"]).stdout
        #expect(both == "no runs created from 2026-12-01T00:00:00.000Z to 2026-12-02T00:00:00.000Z\n")
        let since = await cli.run(["list", "--status", "failed", "--since", "2026-12-01"]).stdout
        #expect(since == "no runs with status failed, created since 2026-12-01T00:00:00.000Z\n")
        #expect(await cli.run(["list", "--until", "2026-12-01"]).stdout == "no runs created before 2026-12-01T00:00:00.000Z\n")
    }
}
