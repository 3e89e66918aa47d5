import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A purged run's id stays refused as `duplicate` at admission, by `submit` and by `validate`; after `dedupeDays` it is free.
@Suite struct DedupeAfterPurgeTests {
    typealias F = RetentionFixture

    @Test(arguments: [Durability.fast, .strict])
    func aPurgedIdIsRefusedAtAdmissionAndItsReservationUndone(_ durability: Durability) async throws {
        let root = try await F.root(["a"], durability: durability)
        _ = try F.gc(root, durability: durability)
        try root.drop("again.json", F.request("a"))
        let context = F.engine(root, days: 41, durability: durability)
        defer { context.audit.close() }
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.rejected == 1)
        let error = try #require(root.json("outbox/rejected/again.json.error.json"))
        #expect(error["reason"] == "duplicate")
        let message = error["errors"]?[0]?["message"]?.stringValue ?? ""
        #expect(message.contains("run 'a' already ran: it finished at 2026-01-01T00:00:00.000Z"), "\(message)")
        #expect(message.contains("removed by gc at 2026-02-10T00:00:00.000Z") && message.contains("retention.dedupeDays"), "\(message)")
        #expect(error["errors"]?[0]?["path"] == "$.id")
        #expect(!root.exists("outbox/requests/a.json"), "the reservation was undone")
        #expect(!root.exists("outbox/results/a.json"))
    }

    @Test func afterDedupeDaysTheIdRunsAgain() async throws {
        let root = try await F.root(["a"])
        _ = try F.gc(root)
        try root.drop("again.json", F.request("a"))
        // 40 days after t0 the run (finished at t0) is past dedupeDays 35.
        let context = F.engine(root, days: 40, retention: RetentionSettings(dedupeDays: 35))
        defer { context.audit.close() }
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.count(.succeeded) == 1 && summary.rejected == 0)
        #expect(root.exists("outbox/results/a.json"))
    }

    @Test func submitAndValidateSayTheSame() async throws {
        let root = try await F.root(["a"])
        _ = try F.gc(root)
        try root.write("req.json", F.request("a"))
        let tester = CLITester(root: root.path, clock: InstantClock(start: F.t0.addingTimeInterval(41 * 86_400)))
        let submitted = await tester.run(["submit", "req.json"])
        #expect(submitted.code == .failure)
        #expect(submitted.stderr.contains("duplicate: run 'a' already ran"), "\(submitted.stderr)")
        #expect(root.list("inbox").isEmpty)
        let validated = await tester.run(["validate", "req.json"])
        #expect((validated.stdout + validated.stderr).contains("run 'a' already ran"), "\(validated)")
    }

    @Test func gcDropsIdsPastDedupeDays() async throws {
        let root = try await F.root(["a"])
        _ = try F.gc(root)
        #expect(F.purgedLines(root).count == 1)
        let context = F.engine(root, days: 100, retention: RetentionSettings(dedupeDays: 60))
        defer { context.audit.close() }
        let report = try GarbageCollector(context: context, options: GCOptions()).run()
        #expect(report.dedupeDropped == 1)
        #expect(F.purgedLines(root).isEmpty)
    }
}
