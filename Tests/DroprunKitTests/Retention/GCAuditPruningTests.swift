import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `gc` with an audit cut (`retention.auditDays`) removes a chain's old segments through `AuditPruner`, and the chain still verifies.
@Suite struct GCAuditPruningTests {
    /// A chain of six daily segments from `RetentionFixture.t0` (2026-01-01), three events a day.
    func chain(_ root: TemporaryRoot) throws -> AuditChainMaker {
        let maker = AuditChainMaker(root: root)
        let log = maker.log()
        for day in 0..<6 {
            for hour in 0..<3 {
                try log.record(.stepStarted, runId: "r\(day)", at: AuditChainMaker.start.addingTimeInterval(Double(day * 86_400 + hour * 3600)))
            }
        }
        log.close()
        try #require(maker.segments.count == 6)
        return maker
    }

    func run(_ root: TemporaryRoot, auditDays: Double, dryRun: Bool = false, durability: Durability) throws -> GCReport {
        // 40 days after t0: a cut of 37 days takes the segments of days 0-2.
        let context = RetentionFixture.engine(root, days: 40, durability: durability)
        defer { context.audit.close() }
        var options = GCOptions.olderThan(365 * 86_400, auditDays: auditDays, now: context.clock.now())
        options.dryRun = dryRun
        return try GarbageCollector(context: context, options: options).run()
    }

    @Test(arguments: [Durability.strict, .fast])
    func oldSegmentsGoAndTheChainStillVerifies(durability: Durability) throws {
        let root = try TemporaryRoot()
        let maker = try chain(root)
        let chain = AuditChainMaker.chain()
        let report = try run(root, auditDays: 37, durability: durability)
        let removed = (1...3).map { AuditSegmentName(chain: chain, number: $0).fileName }
        #expect(report.auditSegmentsRemoved == removed)
        #expect(report.bytesFreed > 0)
        for name in removed { #expect(!maker.segments.contains(name)) }
        #expect(root.json("outbox/audit/\(chain).head.json")?["segment"] == 4)
        let verified = try AuditVerifier.verifyAll(layout: root.layout, fileSystem: PosixFileSystem())
        #expect(verified.problems.isEmpty, "\(verified.problems)")
    }

    @Test func aDryRunNamesTheSegmentsAndRemovesNone() throws {
        let root = try TemporaryRoot()
        let maker = try chain(root)
        let before = maker.segments
        let report = try run(root, auditDays: 37, dryRun: true, durability: .fast)
        #expect(report.auditSegmentsRemoved.count == 3)
        #expect(maker.segments == before)
        #expect(root.json("outbox/audit/\(AuditChainMaker.chain()).head.json") == nil)
    }
}
