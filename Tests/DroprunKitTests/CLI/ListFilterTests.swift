import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun list`'s filters over an index, their combinations, and the messages for values it cannot use.
@Suite struct ListFilterTests {
    typealias H = HistoryFixture

    /// 2026-12-01T13:00: an hour after the fixture's noon.
    static let now = H.at(3_600)

    /// A root with a built index of runs over three days, and a CLI whose clock says `now`.
    func indexedRoot() throws -> (TemporaryRoot, CLITester) {
        let root = try TemporaryRoot()
        let h = H(root: root)
        try h.index([
            H.entry("old-fail", created: H.at(-2 * 86_400), status: .failed, workflow: "deploy", error: "step_timeout", step: "fetch"),
            H.entry("yesterday", created: H.at(-86_400 + 5_400), workflow: "deploy", labels: ["tenant": "acme"]),
            H.entry(
                "fail-acme", created: H.at(-600), status: .failed, workflow: "deploy", labels: ["tenant": "acme", "tier": "gold"],
                error: "step_timeout", step: "fetch"),
            H.entry("fail-zeta", created: H.at(-300), status: .failed, workflow: "build", labels: ["tenant": "zeta", "tier": "gold"], error: "boom"),
            H.entry("cancel", created: H.at(-200), status: .cancelled, workflow: "deploy", labels: ["tenant": "acme"]),
            H.entry("ok", created: H.at(0), workflow: "build", labels: ["tenant": "acme", "tier": "gold"]),
        ])
        try h.markBuilt()
        return (root, CLITester(root: root.path, clock: InstantClock(start: Self.now)))
    }

    func ids(_ result: CLIResult) throws -> [String] {
        try #require(result.code == .success, "\(result.stdout)\(result.stderr)")
        return try #require(try JSONParser.parse(result.stdout).arrayValue).compactMap { $0["runId"]?.stringValue }
    }

    @Test(arguments: [
        ([String](), ["ok", "cancel", "fail-zeta", "fail-acme", "yesterday", "old-fail"]),
        (["--status", "failed"], ["fail-zeta", "fail-acme", "old-fail"]),
        (["--status", "failed,cancelled"], ["cancel", "fail-zeta", "fail-acme", "old-fail"]),
        (["--status", "failed", "--status", "cancelled"], ["cancel", "fail-zeta", "fail-acme", "old-fail"]),
        (["--status", "queued"], []),
        (["--workflow", "deploy"], ["cancel", "fail-acme", "yesterday", "old-fail"]),
        (["--label", "tenant=acme"], ["ok", "cancel", "fail-acme", "yesterday"]),
        (["--label", "tenant=acme", "--label", "tier=gold"], ["ok", "fail-acme"]),
        (["--label", "tenant="], []),
        (["--error", "step_timeout"], ["fail-acme", "old-fail"]),
        (["--since", "24h"], ["ok", "cancel", "fail-zeta", "fail-acme", "yesterday"]),
        (["--since", "90m"], ["ok", "cancel", "fail-zeta", "fail-acme"]),
        (["--since", "1h"], ["ok"]),
        (["--since", "2026-12-01"], ["ok", "cancel", "fail-zeta", "fail-acme"]),
        (["--until", "2026-12-01"], ["yesterday", "old-fail"]),
        (["--since", "2026-11-30T12:00:00Z", "--until", "2026-12-01T11:00:00.000Z"], ["yesterday"]),
        (["--until", "1h"], ["cancel", "fail-zeta", "fail-acme", "yesterday", "old-fail"]),
        // --until is not inclusive: ok was created at 12:00:00.000 exactly.
        (["--until", "2026-12-01T12:00:00.000Z"], ["cancel", "fail-zeta", "fail-acme", "yesterday", "old-fail"]),
        (["--since", "2026-12-01T12:00:00.000Z"], ["ok"]),
        (["--status", "failed", "--since", "24h"], ["fail-zeta", "fail-acme"]),
        (["--status", "failed", "--workflow", "deploy", "--label", "tier=gold", "--error", "step_timeout", "--since", "7d"], ["fail-acme"]),
        (["--workflow", "build", "--status", "succeeded", "--limit", "1"], ["ok"]),
    ])
    func everyFilterAndTheirCombinations(_ arguments: [String], _ expected: [String]) async throws {
        let (root, cli) = try indexedRoot()
        defer { withExtendedLifetime(root) {} }
        #expect(try ids(await cli.run(["list", "--json"] + arguments)) == expected)
    }

    /// The same filters give the same rows when finished runs are read from outbox/results/ (no built index).
    @Test func theFiltersHoldWithoutAnIndexToo() async throws {
        let (root, cli) = try indexedRoot()
        try FileManager.default.removeItem(atPath: root.file("outbox/index/.built"))
        try FileManager.default.removeItem(atPath: root.file("outbox/index"))
        #expect(try ids(await cli.run(["list", "--json", "--status", "failed", "--since", "24h"])) == ["fail-zeta", "fail-acme"])
        #expect(try ids(await cli.run(["list", "--json", "--label", "tenant=acme", "--label", "tier=gold"])) == ["ok", "fail-acme"])
        #expect(try ids(await cli.run(["list", "--json", "--error", "step_timeout", "--workflow", "deploy"])) == ["fail-acme", "old-fail"])
        #expect(try ids(await cli.run(["list", "--json", "--until", "2026-12-01", "--status", "succeeded,failed"])) == ["yesterday", "old-fail"])
    }

    /// Without an index, results modified (plus the slack) before --since are not read: their runs were created before it.
    @Test func withoutAnIndexResultsOlderThanSinceAreNotRead() async throws {
        let (root, cli) = try indexedRoot()
        try FileManager.default.removeItem(atPath: root.file("outbox/index/.built"))
        for (runId, created) in [("ok", H.at(0)), ("cancel", H.at(-200)), ("yesterday", H.at(-86_400 + 5_400)), ("old-fail", H.at(-2 * 86_400))] {
            try PosixFileSystem().setModified(root.file("outbox/results/\(runId).json"), to: created.addingTimeInterval(1))
        }
        let fs = FaultyFileSystem()
        #expect(try ids(await cli.run(["list", "--json", "--since", "90m"], fileSystem: fs)).contains("ok"))
        let reads = fs.operations.filter { $0.hasPrefix("read ") && $0.contains("/outbox/results/") }
        #expect(!reads.contains { $0.hasSuffix("/yesterday.json") || $0.hasSuffix("/old-fail.json") }, "\(reads)")
        #expect(reads.contains { $0.hasSuffix("/ok.json") })
    }

    @Test func jsonRowsCarryFinishTimesErrorsAndLabels() async throws {
        let (root, cli) = try indexedRoot()
        defer { withExtendedLifetime(root) {} }
        let rows = try #require(try JSONParser.parse(await cli.run(["list", "--json", "--status", "failed", "--limit", "1"]).stdout).arrayValue)
        let row = try #require(rows.first)
        let expected = H.entry(
            "fail-zeta", created: H.at(-300), status: .failed, workflow: "build", labels: ["tenant": "zeta", "tier": "gold"], error: "boom")
        #expect(
            row
                == [
                    "runId": "fail-zeta", "status": "failed", "workflow": "build", "workflowVersion": "1",
                    "createdAt": .string(Timestamp.format(expected.createdAt)), "finishedAt": .string(Timestamp.format(expected.finishedAt)),
                    "durationMs": 1000, "error": ["code": "boom", "step": "a"], "labels": ["tenant": "zeta", "tier": "gold"],
                    "cursor": "fail-zeta",
                ])
        let ok = try #require(try JSONParser.parse(await cli.run(["list", "--json", "--limit", "1"]).stdout).arrayValue?.first)
        #expect(ok["error"] == .null && ok["labels"] == ["tenant": "acme", "tier": "gold"], "\(ok)")
    }

    @Test func theTableNamesAFailuresCodeAndStep() async throws {
        let (root, cli) = try indexedRoot()
        defer { withExtendedLifetime(root) {} }
        let text = await cli.run(["list", "--error", "step_timeout"]).stdout
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(text)")
        #expect(lines[1].hasPrefix("failed  fail-acme  deploy") && lines[1].hasSuffix("step_timeout (step fetch)"), "\(text)")
        #expect(await cli.run(["list", "--workflow", "nope", "--status", "failed"]).stdout == "no runs with status failed, workflow nope\n")
    }

    @Test(arguments: [
        (["--since", "yesterday"], ["invalid value 'yesterday' for '--since'", DurationText.expected, "RFC 3339", "UTC day"]),
        (["--until", "12"], ["invalid value '12' for '--until'", DurationText.expected]),
        (["--since", "1h", "--until", "2h"], ["'--until'", "is not after '--since'"]),
        (["--label", "tenant"], ["invalid value 'tenant' for '--label'", "KEY=VALUE"]),
        (["--label", "=acme"], ["invalid value '=acme' for '--label'", "KEY=VALUE"]),
        (["--status", "failed,faild"], ["invalid value 'faild' for '--status'", "did you mean 'failed'?"]),
        (["--status", "done"], ["invalid value 'done' for '--status'", "expected one of queued, running, waiting_approval"]),
        (["--workflow", ""], ["invalid value '' for '--workflow'"]),
        (["--error", ""], ["invalid value '' for '--error'", "error code"]),
        (["--limit", "0"], ["--limit"]),
        (["--after", "nope"], ["invalid value 'nope' for '--after'", "no run or rejected drop 'nope'", "without --after"]),
        (["--after", "outbox/rejected/nope.json"], ["invalid value 'outbox/rejected/nope.json' for '--after'"]),
    ])
    func valuesItCannotUseAreUsageErrorsNamingTheFlag(_ arguments: [String], _ says: [String]) async throws {
        let (root, cli) = try indexedRoot()
        defer { withExtendedLifetime(root) {} }
        let result = await cli.run(["list"] + arguments)
        #expect(result.code == .usage, "\(result.stdout)\(result.stderr)")
        for text in says { #expect(result.stderr.contains(text), "\(text) in: \(result.stderr)") }
        #expect(result.stdout.isEmpty)
    }

    @Test func helpSaysTheOrderAndEveryFilter() async throws {
        let root = try TemporaryRoot()
        let help = await CLITester(root: root.path).run(["list", "--help"]).stdout
        for text in [
            "newest first by creation time", "[--status S ...]", "[--label KEY=VALUE ...]", "--workflow NAME", "--since T", "--until T",
            "--error CODE", "--after RUN_ID", "droprun list --status failed --since 24h",
        ] {
            #expect(help.contains(text), "\(text) in: \(help)")
        }
    }
}
