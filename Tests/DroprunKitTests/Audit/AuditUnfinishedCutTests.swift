import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A writer killed between creating a chain's next segment and writing its first line leaves that segment empty:
/// a cut that did not finish, which `audit verify` accepts as the chain's end and `gc` prunes around.
@Suite struct AuditUnfinishedCutTests {
    let chain = AuditChainMaker.chain()

    func segment(_ n: Int) -> String { AuditSegmentName(chain: chain, number: n).fileName }

    /// A chain of daily segments 1-4 and an empty segment 5, as a `kill -9` in the cut leaves it.
    func chainWithAnEmptyLastSegment() throws -> AuditChainMaker {
        let maker = AuditChainMaker(root: try TemporaryRoot())
        let log = maker.log()
        for day in 0..<4 {
            try log.record(.stepStarted, runId: "r\(day)", at: AuditChainMaker.start.addingTimeInterval(Double(day) * 86_400))
        }
        log.close()
        try maker.root.write("outbox/audit/\(segment(5))", "")
        try #require(maker.segments.count == 5, "\(maker.segments)")
        return maker
    }

    @Test func anEmptyLastSegmentIsNotABreak() throws {
        let maker = try chainWithAnEmptyLastSegment()
        let problems = try maker.verify().problems
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func anEmptySegmentInTheMiddleIsStillABreak() throws {
        let maker = try chainWithAnEmptyLastSegment()
        try maker.root.write("outbox/audit/\(segment(3))", "")
        let problems = try maker.verify().problems
        #expect(problems.contains { $0.message.contains("segment 3 of chain \(chain) is empty") }, "\(problems)")
    }

    @Test func pruningKeepsTheSegmentBeforeAnEmptyLastOne() throws {
        let maker = try chainWithAnEmptyLastSegment()
        let pruner = AuditPruner(
            layout: maker.root.layout, fileSystem: PosixFileSystem(),
            clock: ManualClock(start: AuditChainMaker.start.addingTimeInterval(40 * 86_400)),
            durable: false)
        let report = try pruner.prune(olderThan: AuditChainMaker.start.addingTimeInterval(30 * 86_400), dryRun: false)
        #expect(report.removed == [segment(1), segment(2), segment(3)])
        #expect(maker.segments == [segment(4), segment(5)])
        let problems = try maker.verify().problems
        #expect(problems.isEmpty, "\(problems)")
    }
}
