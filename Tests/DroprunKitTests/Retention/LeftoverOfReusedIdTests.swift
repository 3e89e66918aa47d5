import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Finishing a killed gc's leftover never removes a newer run's files with the same id, and `retention.dedupeDays`
/// shorter than `retention.runsDays` (an id free again while its old run is kept) is refused.
@Suite struct LeftoverOfReusedIdTests {
    typealias F = RetentionFixture

    /// A root where gc was killed after moving run `a`'s result to `outbox/purging/a~result.json`.
    func leftover() async throws -> TemporaryRoot {
        let root = try await F.root(["a"])
        try FileManager.default.createDirectory(atPath: root.path + "/outbox/purging", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: root.path + "/outbox/results/a.json", toPath: root.path + "/outbox/purging/a~result.json")
        return root
    }

    @Test func aDifferentRequestWithTheIdIsLeftAlone() async throws {
        let root = try await leftover()
        try root.write("outbox/requests/a.json", F.request("a") + " ")
        let report = try F.gc(root)
        #expect(root.exists("outbox/requests/a.json") && root.exists("artifacts/a"))
        #expect(root.exists("outbox/purging/a~result.json") || root.exists("outbox/purging/a~logged.json"))
        #expect(!report.purged.contains("a"))
        let why = report.skipped.first { $0.subject == "a" }?.reason ?? ""
        #expect(why.contains("outbox/requests/a.json is another request"), "\(why)")
    }

    @Test func aRunARunnerHoldsIsLeftAlone() async throws {
        let root = try await leftover()
        try root.write("outbox/running/a.json", "{}")
        let report = try F.gc(root)
        #expect(root.exists("outbox/requests/a.json") && root.exists("artifacts/a"))
        let why = report.skipped.first { $0.subject == "a" }?.reason ?? ""
        #expect(why.contains("a newer run with its id is held now") && why.contains("live record"), "\(why)")
    }

    @Test func aNewerResultIsLeftAlone() async throws {
        let root = try await leftover()
        try FileManager.default.copyItem(atPath: root.path + "/outbox/purging/a~result.json", toPath: root.path + "/outbox/results/a.json")
        let report = try F.gc(root, olderThanDays: 10_000)
        #expect(root.exists("outbox/requests/a.json") && root.exists("outbox/results/a.json"))
        let why = report.skipped.first { $0.subject == "a" }?.reason ?? ""
        #expect(why.contains("has a result (outbox/results/a.json)"), "\(why)")
    }

    @Test func itsOwnRequestIsFinished() async throws {
        let root = try await leftover()
        let report = try F.gc(root)
        #expect(report.purged == ["a"] && report.leftoversFinished == 1)
        #expect(!root.exists("outbox/requests/a.json") && !root.exists("artifacts/a"))
    }

    @Test func dedupeDaysShorterThanRunsDaysIsRefused() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"retention": {"runsDays": 30, "dedupeDays": 10}}"#)
        let result = await CLITester(root: root.path).run(["gc"])
        #expect(result.code == .usage, "\(result)")
        #expect(result.stderr.contains("$.retention.dedupeDays") && result.stderr.contains("at least retention.runsDays (30)"), "\(result.stderr)")
        try root.write("droprun.json", #"{"retention": {"runsDays": 30, "dedupeDays": 30}}"#)
        #expect(await CLITester(root: root.path).run(["gc", "--dry-run"]).code == .success)
    }
}
