import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `AuditPruner` removes whole old segments, oldest first, after writing the head record that keeps the chain verifiable.
@Suite struct AuditPrunerTests {
    let chain = AuditChainMaker.chain()

    /// One chain of six segments, one per UTC day from 2026-01-01 (three events each, an hour apart).
    func dailyChain() throws -> AuditChainMaker {
        let maker = AuditChainMaker(root: try TemporaryRoot())
        let log = maker.log()
        for day in 0..<6 {
            for hour in 0..<3 {
                try log.record(.stepStarted, runId: "r\(day)", at: AuditChainMaker.start.addingTimeInterval(Double(day * 86_400 + hour * 3600)))
            }
        }
        log.close()
        try #require(maker.segments.count == 6, "\(maker.segments)")
        return maker
    }

    func day(_ n: Int) -> Date { AuditChainMaker.start.addingTimeInterval(Double(n) * 86_400) }
    func segment(_ n: Int) -> String { AuditSegmentName(chain: chain, number: n).fileName }

    func pruner(_ maker: AuditChainMaker, fileSystem: any FileSystem = PosixFileSystem(), durable: Bool = true) -> AuditPruner {
        AuditPruner(layout: maker.root.layout, fileSystem: fileSystem, clock: ManualClock(start: day(40)), durable: durable)
    }

    @Test(arguments: [true, false])
    func pruneRemovesTheOldSegmentsAndTheChainStillVerifies(durable: Bool) throws {
        let maker = try dailyChain()
        let sizes = try (1...3).map { try #require(try PosixFileSystem().info(maker.root.file("outbox/audit/" + segment($0)))?.size) }
        let firstKeptPrev = try #require(maker.events(segment(4)).first?["prev"]?.stringValue)
        // Segments 1-3 end on days 0-2; the cut at the start of day 3 takes them.
        let report = try pruner(maker, durable: durable).prune(olderThan: day(3), dryRun: false)
        #expect(report.removed == [segment(1), segment(2), segment(3)])
        #expect(report.bytes == sizes.reduce(0, +))
        #expect(report.chains == [chain])
        #expect(maker.segments == [segment(4), segment(5), segment(6)])
        let head = try #require(maker.root.json("outbox/audit/\(chain).head.json"))
        #expect(
            head == [
                "chain": .string(chain), "segment": 4, "continuesFrom": .string(firstKeptPrev), "removedThrough": 3,
                "removedAt": .string(Timestamp.format(day(40))),
            ])
        let verified = try maker.verify()
        #expect(verified.problems.isEmpty, "\(verified.problems)")

        // Pruned again later: the head record moves on.
        let again = try pruner(maker).prune(olderThan: day(5), dryRun: false)
        #expect(again.removed == [segment(4), segment(5)])
        #expect(maker.root.json("outbox/audit/\(chain).head.json")?["segment"] == 6)
        #expect(try maker.verify().problems.isEmpty)
    }

    @Test func theLastSegmentOfAChainIsNeverRemoved() throws {
        let maker = try dailyChain()
        let report = try pruner(maker).prune(olderThan: day(100), dryRun: false)
        #expect(report.removed.count == 5)
        #expect(maker.segments == [segment(6)])
        #expect(try maker.verify().problems.isEmpty)
    }

    @Test func aDryRunSaysWhatWouldGoAndTouchesNothing() throws {
        let maker = try dailyChain()
        let fs = FaultyFileSystem()
        let report = try pruner(maker, fileSystem: fs).prune(olderThan: day(2), dryRun: true)
        #expect(report.removed == [segment(1), segment(2)])
        #expect(report.bytes > 0)
        #expect(maker.segments.count == 6)
        #expect(!maker.root.exists("outbox/audit/\(chain).head.json"))
        #expect(!fs.operations.contains { $0.hasPrefix("remove ") || $0.hasPrefix("writeAtomically ") }, "\(fs.operations)")
    }

    @Test func nothingBeforeTheCutRemovesNothing() throws {
        let maker = try dailyChain()
        let report = try pruner(maker).prune(olderThan: day(0), dryRun: false)
        #expect(report == AuditPruner.Report())
        #expect(!maker.root.exists("outbox/audit/\(chain).head.json"))
    }

    @Test func theHeadRecordIsWrittenBeforeAnySegmentIsRemoved() throws {
        let maker = try dailyChain()
        let fs = FaultyFileSystem()
        _ = try pruner(maker, fileSystem: fs).prune(olderThan: day(3), dryRun: false)
        let operations = fs.operations
        let head = try #require(operations.firstIndex(of: "writeAtomically \(maker.root.file("outbox/audit/\(chain).head.json"))"))
        let removals = operations.indices.filter { operations[$0].hasPrefix("remove ") }
        #expect(removals.count == 3)
        #expect(removals.allSatisfy { $0 > head })
        #expect(removals.map { operations[$0] } == (1...3).map { "remove \(maker.root.file("outbox/audit/" + segment($0)))" }, "oldest first")
    }

    /// Killed after the head record and after some removals: verify accepts what is left, and the next prune finishes.
    @Test(arguments: [1, 2, 3])
    func aPruneKilledBetweenTheHeadRecordAndTheRemovalsLeavesAVerifiableChain(removalsBeforeDeath: Int) throws {
        let maker = try dailyChain()
        let fs = FaultyFileSystem()
        fs.inject(.kills(before: "remove", pathContains: segment(removalsBeforeDeath)))
        #expect(throws: FileSystemError.self) { try pruner(maker, fileSystem: fs).prune(olderThan: day(3), dryRun: false) }
        #expect(maker.root.json("outbox/audit/\(chain).head.json")?["segment"] == 4)
        #expect(maker.segments == (removalsBeforeDeath...6).map(segment))
        let report = try maker.verify()
        #expect(report.problems.isEmpty, "\(report.problems)")
        let next = try pruner(maker).prune(olderThan: day(3), dryRun: false)
        #expect(next.removed == (removalsBeforeDeath...3).map(segment))
        #expect(maker.segments == [segment(4), segment(5), segment(6)])
        #expect(try maker.verify().problems.isEmpty)
    }

    @Test func aChainWithAGapIsPrunedOnlyUpToTheGapSoTheGapStaysVisible() throws {
        let maker = try dailyChain()
        try maker.remove(segment(3))
        let report = try pruner(maker).prune(olderThan: day(5), dryRun: false)
        #expect(report.removed == [segment(1)], "segment 2 is the last before the gap: segment 4 would have to continue it")
        let problems = try maker.verify().problems
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("segment 3 of chain \(chain) is missing") == true, "\(problems)")
    }

    @Test func aChainWhoseBeginningIsMissingWithoutAHeadRecordIsLeftAlone() throws {
        let maker = try dailyChain()
        try maker.remove(segment(1))
        let report = try pruner(maker).prune(olderThan: day(5), dryRun: false)
        #expect(report.removed.isEmpty)
        #expect(try maker.verify().problems.count == 1)
    }

    @Test func everyChainIsPrunedOnItsOwn() throws {
        let maker = try dailyChain()
        let other = maker.log(pid: 2, at: day(1))
        for d in 1..<4 { try other.record(.stepStarted, runId: "o", at: day(d).addingTimeInterval(60)) }
        other.close()
        let report = try pruner(maker).prune(olderThan: day(3), dryRun: false)
        let otherChain = AuditChainMaker.chain(pid: 2, at: day(1))
        #expect(Set(report.chains) == [chain, otherChain])
        #expect(report.removed.contains("\(otherChain).jsonl"))
        #expect(report.removed.contains("\(otherChain)~0002.jsonl"))
        #expect(maker.segments.contains("\(otherChain)~0003.jsonl"))
        #expect(try maker.verify().problems.isEmpty)
    }
}
