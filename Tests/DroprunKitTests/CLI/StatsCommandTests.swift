import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun stats [--since T] [--until T] [--json]`.
@Suite struct StatsCommandTests {
    /// The command line at the fixture's `until` (so the default window, the last 24 hours, is the fixture's).
    static func stats(_ args: [String], _ root: TemporaryRoot) async -> CLIResult {
        await CLITester(root: root.path, clock: ManualClock(start: StatsFixture.until)).run(["--root", root.path, "stats"] + args)
    }

    @Test func textShowsTablesForPeople() async throws {
        let fixture = try StatsFixture.make()
        try fixture.root.drop("waiting.json", "{}")
        try fixture.touch("inbox/waiting.json", "2026-12-01T11:58:00.000Z")
        let result = await Self.stats([], fixture.root)
        #expect(result.code == .success)
        #expect(
            result.stderr
                == "droprun: note: 1 run's index line keeps no steps (written by an older droprun): not in the provider table; 'droprun reindex' writes them again\n"
        )
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "runs finished 2026-11-30T12:00:00.000Z to 2026-12-01T12:00:00.000Z (1d), from the history index")
        #expect(lines[1] == "5 runs: 2 succeeded, 2 failed, 1 cancelled; 0.00 a minute")
        #expect(lines[2] == "last hour  █" + String(repeating: " ", count: 58) + "█  (at most 1 a minute)")
        let tables = Array(lines[3...])
        #expect(
            tables == [
                "",
                "WORKFLOW  RUNS  SUCCEEDED  FAILED  CANCELLED  P50    P95    P99",
                "a         4     2          1       1          200ms  400ms  400ms",
                "b         1     0          1       0          50ms   50ms   50ms",
                "",
                "TENANT       RUNS  SUCCEEDED  FAILED  CANCELLED",
                "acme         2     2          0       0",
                "globex       1     0          1       0",
                "(no tenant)  2     0          1       1",
                "",
                "PROVIDER  STEPS  FAILED  REPEATS  P50   P95   P99",
                "echo      3      0       0        5ms   5ms   5ms",
                "exec      5      1       3        30ms  50ms  50ms",
                "REPEATS: attempts beyond the first (retries, and runs again after a crash or stop)",
                "",
                "REJECTED      DROPS",
                "invalid_json  2",
                "?             1",
                "duplicate     1",
                "",
                "now: inbox 1 drop (oldest 2m)",
                "now: 0 waiting for approval, 0 overdue",
                "",
            ])
    }

    @Test func jsonIsTheLibrarysStats() async throws {
        let fixture = try StatsFixture.make()
        let result = await Self.stats(["--json"], fixture.root)
        #expect(result.code == .success)
        let json = try JSONParser.parse(Array(result.stdout.utf8))
        #expect(json["runs"]?["total"] == 5)
        #expect(json["since"] == "2026-11-30T12:00:00.000Z")
        #expect(json["until"] == "2026-12-01T12:00:00.000Z")
        #expect(json["providers"]?["exec"]?["durationMs"]?["p50"] == 30)
        #expect(json["rejections"]?["duplicate"] == 1)
        #expect(json["inbox"]?["depth"] == 0)
    }

    @Test func sinceAndUntilNarrowTheWindow() async throws {
        let fixture = try StatsFixture.make()
        let result = await Self.stats(["--since", "2026-12-01", "--until", "2026-12-01T11:30:00Z", "--json"], fixture.root)
        #expect(result.code == .success)
        let json = try JSONParser.parse(Array(result.stdout.utf8))
        // r3 (06:00) and r5 (11:00).
        #expect(json["runs"] == ["total": 2, "succeeded": 0, "failed": 2, "cancelled": 0])
        // --since is 24 hours before --until by default: r1, r2, r3 and o1 (a millisecond before the fixture's window).
        let earlier = await Self.stats(["--until", "2026-12-01T06:00:00.001Z", "--json"], fixture.root)
        let window = try JSONParser.parse(Array(earlier.stdout.utf8))
        #expect(window["since"] == "2026-11-30T06:00:00.001Z")
        #expect(window["runs"]?["total"] == 4)
        let hour = await Self.stats(["--since", "1h", "--json"], fixture.root)
        #expect(try JSONParser.parse(Array(hour.stdout.utf8))["runs"]?["total"] == 2)
    }

    @Test func withoutABuiltIndexItSaysSoAndReadsTheResults() async throws {
        let fixture = try StatsFixture.make(built: false)
        let result = await Self.stats(["--json"], fixture.root)
        #expect(result.code == .success)
        #expect(
            result.stderr.contains(
                "droprun: warning: the history index is not built (no outbox/index/.built): read every result in outbox/results/ instead (slow on a large root); 'droprun reindex' builds it"
            ))
        let json = try JSONParser.parse(Array(result.stdout.utf8))
        #expect(json["source"] == "results")
        #expect(json["runs"]?["total"] == 5)
    }

    @Test func aFileAtOutboxIndexIsSaidAndTheResultsAreRead() async throws {
        let fixture = try StatsFixture.make(built: false)
        try FileManager.default.removeItem(atPath: fixture.root.layout.index)
        try fixture.root.write("outbox/index", "x")
        let result = await Self.stats(["--json"], fixture.root)
        #expect(result.code == .success)
        #expect(
            result.stderr.contains(
                "droprun: warning: outbox/index is not a folder (it is a file): the history index is off until it is moved away; list reads outbox/results/"
            ))
        #expect(try JSONParser.parse(Array(result.stdout.utf8))["runs"]?["total"] == 5)
    }

    /// Drops a runner claimed and has not started are counted beside the inbox, in the text and the JSON.
    @Test func claimedDropsNotStartedAreShownNow() async throws {
        let fixture = try StatsFixture.make()
        try fixture.root.write("outbox/claimed/otherhost-1/a.json", "{}")
        try fixture.touch("outbox/claimed/otherhost-1/a.json", "2026-12-01T11:57:00.000Z")
        try fixture.root.write("outbox/claimed/otherhost-1/b.json~2", "{}")
        try fixture.touch("outbox/claimed/otherhost-1/b.json~2", "2026-12-01T11:59:00.000Z")
        try fixture.root.write("outbox/claimed/otherhost-1/r.running.json~takeover", "{}")
        let text = await Self.stats([], fixture.root)
        #expect(text.stdout.contains("\nnow: inbox 0 drops, 2 claimed not started (oldest 3m)\n"), "\(text.stdout)")
        let json = try JSONParser.parse(Array(await Self.stats(["--json"], fixture.root).stdout.utf8))
        #expect(json["claimed"] == ["depth": 2, "oldestAgeSeconds": 180])
        #expect(json["inbox"] == ["depth": 0, "oldestAgeSeconds": .null])
    }

    @Test func anEmptyRootHasNothingToCount() async throws {
        let root = try makeRoot()
        let result = await Self.stats([], root)
        #expect(result.code == .success)
        #expect(result.stdout.contains("0 runs: 0 succeeded, 0 failed, 0 cancelled; 0.00 a minute\n\nnow: inbox 0 drops\n"))
    }

    static let usageErrors: [([String], String)] = [
        (["--since", "yesterday"], "invalid value 'yesterday' for '--since': expected a duration such as 90s"),
        (["--until", "12"], "invalid value '12' for '--until': expected a duration"),
        (["--since", "1h", "--until", "2h"], "is not after '--since'"),
        (["--since"], "--since"),
        (["--nope"], "--nope"),
        (["extra"], "extra"),
    ]

    @Test(arguments: usageErrors) func usageErrorsExitTwo(_ args: [String], _ message: String) async throws {
        let root = try makeRoot()
        let result = await Self.stats(args, root)
        #expect(result.code == .usage)
        #expect(result.stderr.contains(message))
        #expect(result.stdout.isEmpty)
    }

    @Test func helpSaysWhatItCounts() async throws {
        let root = try makeRoot()
        let help = await Self.stats(["--help"], root)
        #expect(help.code == .success)
        #expect(help.stdout.contains("Count what a root did over a window"))
        #expect(help.stdout.contains("--since T"))
        #expect(try await droprun(["--help"], root).stdout.contains("stats"))
    }
}
