import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The `health` block of `droprun.json`: defaults, values, and every mistake named by its JSON path.
@Suite struct HealthSettingsTests {
    @Test func theDefaults() throws {
        let health = try Configuration.parse(JSONParser.parse("{}"), file: "droprun.json").health
        #expect(health.maxQueueAgeSeconds == 900)
        #expect(health.stallSeconds == 300)
        #expect(health.maxApprovalWaitSeconds == nil)
        #expect(health.requireRunner)
    }

    @Test func everyKeyIsRead() throws {
        let text = #"{"health": {"maxQueueAgeSeconds": 60, "stallSeconds": 120, "maxApprovalWaitSeconds": 7200, "requireRunner": false}}"#
        let health = try Configuration.parse(JSONParser.parse(text), file: "droprun.json").health
        #expect(health.maxQueueAgeSeconds == 60)
        #expect(health.stallSeconds == 120)
        #expect(health.maxApprovalWaitSeconds == 7200)
        #expect(!health.requireRunner)
        let unlimited = try Configuration.parse(JSONParser.parse(#"{"health": {"maxApprovalWaitSeconds": null}}"#), file: "droprun.json")
        #expect(unlimited.health.maxApprovalWaitSeconds == nil)
    }

    @Test(
        arguments: [
            (#"{"health": []}"#, "$.health", "expected an object"),
            (#"{"health": {"maxQueueAgeSeconds": 0}}"#, "$.health.maxQueueAgeSeconds", "found 0"),
            (#"{"health": {"maxQueueAgeSeconds": "15m"}}"#, "$.health.maxQueueAgeSeconds", "expected a whole number"),
            (#"{"health": {"stallSeconds": 1.5}}"#, "$.health.stallSeconds", "expected a whole number"),
            (#"{"health": {"stallSeconds": 10}}"#, "$.health.stallSeconds", "expected at least leaseSeconds (30), found 10"),
            (#"{"leaseSeconds": 600, "health": {"stallSeconds": 300}}"#, "$.health.stallSeconds", "at least leaseSeconds (600)"),
            (#"{"health": {"maxApprovalWaitSeconds": "1h"}}"#, "$.health.maxApprovalWaitSeconds", "or null for no limit, found a string"),
            (#"{"health": {"maxApprovalWaitSeconds": 0}}"#, "$.health.maxApprovalWaitSeconds", "found 0"),
            (#"{"health": {"requireRunner": "no"}}"#, "$.health.requireRunner", "expected true or false"),
            (#"{"health": {"stalSeconds": 400}}"#, "$.health.stalSeconds", "did you mean 'stallSeconds'?"),
        ] as [(String, String, String)])
    func aMistakeNamesItsKey(text: String, path: String, fragment: String) throws {
        let json = try JSONParser.parse(text)
        do throws(ConfigurationError) {
            let configuration = try Configuration.parse(json, file: "/root/droprun.json")
            Issue.record("accepted: \(configuration.health)")
        } catch {
            let matching = error.issues.filter { $0.path?.description == path }
            #expect(matching.contains { $0.message.contains(fragment) }, "\(error.issues.map(\.description))")
            #expect(error.description.contains(path))
        }
    }

    /// A stall threshold shorter than the lease is refused even when leaseSeconds is shorter still.
    @Test func aShortLeaseAllowsAShortStall() throws {
        let configuration = try Configuration.parse(JSONParser.parse(#"{"leaseSeconds": 5, "health": {"stallSeconds": 5}}"#), file: "droprun.json")
        #expect(configuration.health.stallSeconds == 5)
    }

    /// A monitor reads stdout and the exit code: a broken block is a problem there (exit 1), not a usage error (2).
    @Test func healthWithABrokenBlockReportsItAsAProblemNamingTheKey() async throws {
        let f = try HealthFixture(#"{"durability": "fast", "health": {"stallSeconds": "5m"}}"#)
        try f.runner()
        let result = await f.cli(["health"])
        #expect(result.code == .failure)
        #expect(result.stdout.hasPrefix("configuration_invalid: droprun.json cannot be used ($.health.stallSeconds: "), "\(result.stdout)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }
}
