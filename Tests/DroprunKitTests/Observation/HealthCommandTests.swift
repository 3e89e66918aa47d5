import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun health [--json] [--deep]`: exit codes, one line when healthy, one line per problem, the JSON shape.
@Suite struct HealthCommandTests {
    @Test func aHealthyRootExitsZeroWithOneLine() async throws {
        let f = try HealthFixture()
        try f.runner(progressAgo: 30)
        let result = await f.cli(["health"])
        #expect(result.code == .success)
        #expect(result.stdout == "healthy: 1 live runner (otherhost-1, last progress 30s ago), inbox 0, 0 running, 0 waiting for approval\n")
        #expect(result.stderr.isEmpty)
        let deep = await f.cli(["health", "--deep"])
        #expect(deep.code == .success)
        #expect(deep.stdout.hasSuffix(", audit chains intact\n"))
    }

    @Test func problemsExitOneWithOneLinePerProblem() async throws {
        let f = try HealthFixture()
        try f.drop("old.json", ago: 1_000)
        try f.write("outbox/running/torn.json", "{", ago: 1)
        let result = await f.cli(["health"])
        #expect(result.code == .failure)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.map { $0.components(separatedBy: ": ").first ?? "" } == ["no_live_runner", "queue_too_old", "unreadable_record"], "\(lines)")
        // Each line says what and what to do.
        #expect(lines[0].contains("start droprun watch"))
        #expect(lines[2].contains("outbox/running/torn.json"))
    }

    @Test(arguments: [["health", "--nope"], ["health", "extra"], ["health", "--json", "--deep", "x"]])
    func usageErrorsExitTwo(args: [String]) async throws {
        let f = try HealthFixture()
        let result = await f.cli(args)
        #expect(result.code == .usage)
        #expect(!result.stderr.isEmpty)
    }

    /// A broken droprun.json is a problem of the root, not a usage error: the rest is judged with the defaults.
    @Test func aBrokenConfigurationIsAProblemAndTheRestIsJudgedWithDefaults() async throws {
        // maxQueueAgeSeconds would have been 2000 had the file been usable; the default (900) judges the 1000 s drop.
        let f = try HealthFixture(#"{"concurrency": "four", "health": {"maxQueueAgeSeconds": 2000, "stallSeconds": true}}"#)
        try f.runner(progressAgo: 30)
        try f.drop("old.json", ago: 1_000)
        let result = await f.cli(["health"])
        #expect(result.code == .failure, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.map { $0.components(separatedBy: ": ").first ?? "" } == ["configuration_invalid", "queue_too_old"], "\(lines)")
        #expect(lines[0].contains("droprun.json cannot be used ($.concurrency: "), "\(lines[0])")
        #expect(lines[0].contains("$.health.stallSeconds: "), "\(lines[0])")
        let json = await f.cli(["health", "--json"])
        #expect(json.code == .failure)
        let parsed = try JSONParser.parse(Array(json.stdout.utf8))
        #expect(parsed["healthy"] == false)
        let problems = try #require(parsed["problems"]?.arrayValue)
        #expect(problems.compactMap { $0["code"]?.stringValue } == ["configuration_invalid", "queue_too_old"])
        #expect(problems[0]["file"] == "droprun.json")
        #expect(problems[0]["message"]?.stringValue?.contains("$.health.stallSeconds") == true)
    }

    @Test func helpSaysWhatItChecks() async throws {
        let f = try HealthFixture()
        let help = await f.cli(["health", "--help"])
        #expect(help.code == .success)
        for code in HealthProblem.Kind.allCases.map(\.rawValue) { #expect(help.stdout.contains(code), "\(code)") }
        #expect(await f.cli(["--help"]).stdout.contains("health"))
    }

    @Test func jsonHasTheAgreedShape() async throws {
        let f = try HealthFixture(#"{"durability": "fast", "health": {"maxApprovalWaitSeconds": 60}}"#)
        try f.runner("otherhost-1", progressAgo: 400)
        try f.runner("deadhost-7", renewedAgo: 500, progressAgo: nil)
        try f.drop("a.json", ago: 350)
        try f.drop("b.json", ago: 20)
        try f.record("busy", owner: "otherhost-1")
        try f.waiting("asks", waitedFor: 61)
        let result = await f.cli(["health", "--json"])
        #expect(result.code == .failure)
        let json = try JSONParser.parse(Array(result.stdout.utf8))
        #expect(json["healthy"] == false)
        #expect(json["checkedAt"]?.stringValue == Timestamp.format(f.now))
        #expect(json["deep"] == false)
        #expect(json["inbox"] == ["depth": 2, "oldestAgeSeconds": 350])
        #expect(json["claimed"] == ["depth": 0, "oldestAgeSeconds": .null])
        #expect(json["approvals"] == ["waiting": 1, "overdue": 1])
        #expect(json["running"] == 1)
        let problems = try #require(json["problems"]?.arrayValue)
        #expect(problems.compactMap { $0["code"]?.stringValue } == ["runner_stalled", "approval_overdue"])
        #expect(problems[0]["runner"] == "otherhost-1")
        #expect(problems[0]["ageSeconds"] == 400)
        #expect(problems[1]["runId"] == "asks")
        #expect(problems[1]["file"] == "outbox/running/asks.json")
        #expect(problems.allSatisfy { $0["message"]?.stringValue != nil && $0["fix"]?.stringValue != nil })
        let runners = try #require(json["runners"]?.arrayValue)
        #expect(runners.compactMap { $0["runner"]?.stringValue } == ["deadhost-7", "otherhost-1"])
        #expect(runners[0]["live"] == false)
        #expect(runners[0]["lastProgressAt"] == .null)
        #expect(runners[1]["live"] == true)
        #expect(runners[1]["runs"] == 1)
        #expect(runners[1]["claimed"] == 3)
        #expect(runners[1]["finished"] == 2)
        #expect(runners[1]["lastProgressAgeSeconds"] == 400)
        #expect(runners[1]["heartbeatAgeSeconds"] == 1)
        #expect(runners[1]["mode"] == "watch")
    }

    @Test func aHealthyRootsJSONHasNoProblems() async throws {
        let f = try HealthFixture()
        try f.runner()
        let result = await f.cli(["health", "--json", "--deep"])
        #expect(result.code == .success)
        let json = try JSONParser.parse(Array(result.stdout.utf8))
        #expect(json["healthy"] == true)
        #expect(json["deep"] == true)
        #expect(json["problems"] == [])
        #expect(json["inbox"] == ["depth": 0, "oldestAgeSeconds": .null])
    }
}
