import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A runner's chain cut into segments by size and by UTC day, each segment continuing the one before.
@Suite struct AuditLogSegmentTests {
    let chain = AuditChainMaker.chain()

    @Test func segmentNamesReadBack() {
        let names = [
            ("c.jsonl", "c", 1), ("c~0002.jsonl", "c", 2), ("c~9999.jsonl", "c", 9999), ("c~10000.jsonl", "c", 10000),
            ("20260101T000000Z-h-1~0012.jsonl", "20260101T000000Z-h-1", 12),
        ]
        for (name, chain, number) in names {
            #expect(AuditSegmentName(fileName: name) == AuditSegmentName(chain: chain, number: number), "\(name)")
            #expect(AuditSegmentName(chain: chain, number: number).fileName == name)
        }
        // Not segments: hidden, temporary, head records, other files.
        for name in [".c.jsonl", "c.head.json", "c.jsonl.tmp", ".jsonl"] { #expect(AuditSegmentName(fileName: name) == nil, "\(name)") }
        // A name without a well-formed number is a first segment of its own, so it is still verified.
        for name in ["c~12.jsonl", "c~00002.jsonl", "c~0001.jsonl", "c~abcd.jsonl"] {
            #expect(AuditSegmentName(fileName: name)?.number == 1, "\(name)")
        }
        let segment = AuditSegmentName(chain: "20260101T000000Z-host-12-iabc", number: 3)
        #expect(segment.chainStart == AuditChainMaker.start)
        #expect(segment.runner == "host-12-iabc")
    }

    @Test func aSegmentIsCutWhenItReachesTheSizeAndTheChainGoesOn() throws {
        let maker = AuditChainMaker(root: try TemporaryRoot())
        let log = maker.log(segmentBytes: 4096)
        try maker.write(log, count: 40)
        let segments = maker.segments
        #expect(segments.count >= 4, "\(segments)")
        #expect(segments.first == "\(chain).jsonl")
        #expect(segments.dropFirst().first == "\(chain)~0002.jsonl")
        var prev = AuditLog.genesis
        var steps = 0
        for (i, name) in segments.enumerated() {
            let size = try #require(try PosixFileSystem().info(maker.root.file("outbox/audit/" + name))?.size)
            let events = maker.events(name)
            // Cut at the first event after the segment reached the size: it is over by less than one line.
            #expect(size - Int64(maker.lines(name).last?.utf8.count ?? 0) - 1 < 4096, "\(name) is \(size) bytes")
            if i > 0 {
                let first = try #require(events.first)
                #expect(first["event"] == "audit.segment")
                #expect(first["runId"] == nil)
                #expect(first["data"] == ["chain": .string(chain), "segment": .int(i + 1), "previous": .string(segments[i - 1])])
            }
            for event in events {
                #expect(event["prev"]?.stringValue == prev, "\(name): the chain runs on across segments")
                prev = event["hash"]?.stringValue ?? ""
                if event["event"] == "step.started" { steps += 1 }
            }
        }
        #expect(steps == 40)
        let report = try maker.verify()
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.chains == 1)
        #expect(report.files == segments.count)
        #expect(report.events == 40 + segments.count - 1)
    }

    @Test func aSegmentIsCutAtTheFirstEventOfALaterUTCDay() throws {
        let maker = AuditChainMaker(root: try TemporaryRoot())
        let log = maker.log()
        let evening = AuditChainMaker.start.addingTimeInterval(86_400 - 2)
        // 23:59:58, 23:59:59, then 00:00:00 and 00:00:01 of the next day, then two days later.
        try log.record(.stepStarted, runId: "a", at: evening)
        try log.record(.stepStarted, runId: "a", at: evening.addingTimeInterval(1))
        try log.record(.stepStarted, runId: "a", at: evening.addingTimeInterval(2))
        try log.record(.stepStarted, runId: "a", at: evening.addingTimeInterval(3))
        // An event stamped a little earlier than the one before stays in the segment being written.
        try log.record(.stepStarted, runId: "a", at: evening.addingTimeInterval(1.5))
        try log.record(.stepStarted, runId: "a", at: evening.addingTimeInterval(2 * 86_400))
        log.close()
        #expect(maker.segments == ["\(chain).jsonl", "\(chain)~0002.jsonl", "\(chain)~0003.jsonl"])
        #expect(maker.events("\(chain).jsonl").count == 2)
        let second = maker.events("\(chain)~0002.jsonl")
        #expect(
            second.map { $0["at"]?.stringValue ?? "" } == [
                "2026-01-02T00:00:00.000Z", "2026-01-02T00:00:00.000Z", "2026-01-02T00:00:01.000Z", "2026-01-01T23:59:59.500Z",
            ])
        #expect(second.first?["event"] == "audit.segment")
        #expect(maker.events("\(chain)~0003.jsonl").count == 2)
        #expect(try maker.verify().problems.isEmpty)
    }

    @Test func segmentNamesSinceADateAreTheSegmentsFromTheOneBeingWrittenThen() throws {
        let maker = AuditChainMaker(root: try TemporaryRoot())
        let log = maker.log()
        let day = 86_400.0
        let start = AuditChainMaker.start
        #expect(log.segmentNames(since: start) == ["\(chain).jsonl"], "before any event: the first segment")
        for d in 0..<3 { try log.record(.stepStarted, runId: "a", at: start.addingTimeInterval(Double(d) * day + 3600)) }
        let all = ["\(chain).jsonl", "\(chain)~0002.jsonl", "\(chain)~0003.jsonl"]
        #expect(log.segmentNames(since: start) == all)
        #expect(log.segmentNames(since: start.addingTimeInterval(day)) == all, "at the cut's time the first segment may still hold events")
        #expect(log.segmentNames(since: start.addingTimeInterval(day + 3601)) == Array(all.dropFirst()))
        #expect(log.segmentNames(since: start.addingTimeInterval(2 * day + 3601)) == [all[2]])
        #expect(log.segmentNames(since: start.addingTimeInterval(30 * day)) == [all[2]], "the segment being written has no end")
        #expect(log.path.hasSuffix(all[2]))
        log.close()
    }

    /// Strict durability: the segment ending is flushed before anything is written to the next.
    @Test(arguments: [true, false])
    func theOldSegmentIsFlushedBeforeTheNextIsWritten(durable: Bool) throws {
        let maker = AuditChainMaker(root: try TemporaryRoot())
        let fs = FaultyFileSystem()
        let log = maker.log(segmentBytes: 4096, fileSystem: fs, durable: durable)
        try maker.write(log, count: 20)
        let old = maker.root.file("outbox/audit/\(chain).jsonl")
        let new = maker.root.file("outbox/audit/\(chain)~0002.jsonl")
        let operations = fs.operations
        // FaultyFileSystem logs the open (`openForAppending`) of a file and each append to it alike, as `append`.
        let touches = operations.indices.filter { operations[$0] == "append \(new)" }
        try #require(touches.count >= 2, "\(new): \(operations)")
        let (opened, header) = (touches[0], touches[1])
        let flushed = operations.firstIndex(of: "sync \(old)")
        if durable {
            let flushed = try #require(flushed, "\(operations)")
            #expect(flushed < opened)
            #expect(operations[flushed..<header].contains("syncDirectory \(maker.root.layout.audit)"))
        } else {
            #expect(flushed == nil, "fast durability flushes nothing itself")
        }
    }

    @Test func aSegmentThatCannotBeBegunLeavesTheChainWhereItWas() throws {
        let maker = AuditChainMaker(root: try TemporaryRoot())
        let fs = FaultyFileSystem([FaultyFileSystem.Rule("append", pathContains: "~0002", times: 1)])
        let log = maker.log(segmentBytes: 4096, fileSystem: fs)
        var failures = 0
        for i in 0..<20 {
            do {
                try log.record(
                    .stepStarted, runId: "a", at: AuditChainMaker.start.addingTimeInterval(Double(i)),
                    data: ["pad": .string(String(repeating: "x", count: 300))])
            } catch {
                failures += 1
            }
        }
        log.close()
        #expect(failures == 1)
        // The failed header was never written, so the retried cut begins segment 2 cleanly and the chain verifies.
        #expect(try maker.verify().problems.isEmpty)
    }
}
