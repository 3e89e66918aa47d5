import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `audit verify` checks one chain across its segments: a removed segment, a missing beginning, a head record that does not fit.
@Suite struct AuditVerifierSegmentTests {
    let chain = AuditChainMaker.chain()

    /// A chain of five segments or more (about ten events each).
    func segmentedChain() throws -> AuditChainMaker {
        let maker = AuditChainMaker(root: try TemporaryRoot())
        try maker.write(maker.log(segmentBytes: 4096), count: 50)
        try #require(maker.segments.count >= 5, "\(maker.segments)")
        try #require(try maker.verify().problems.isEmpty)
        return maker
    }

    func segment(_ n: Int) -> String { AuditSegmentName(chain: chain, number: n).fileName }

    func head(_ maker: AuditChainMaker, segment n: Int, continuesFrom: String? = nil) throws {
        let prev = try #require(maker.events(segment(n)).first?["prev"]?.stringValue)
        try AuditHead(chain: chain, segment: n, continuesFrom: continuesFrom ?? prev, removedThrough: n - 1, removedAt: AuditChainMaker.start)
            .write(layout: maker.root.layout, fileSystem: PosixFileSystem(), sync: false)
    }

    func onlyProblem(_ maker: AuditChainMaker) throws -> AuditProblem {
        let problems = try maker.verify().problems
        #expect(problems.count == 1, "\(problems)")
        return try #require(problems.first)
    }

    @Test func aRemovedMiddleSegmentIsFoundAndNamed() throws {
        let maker = try segmentedChain()
        try maker.remove(segment(3))
        let problem = try onlyProblem(maker)
        #expect(problem.file == "outbox/audit/\(segment(4))")
        #expect(problem.line == 1)
        #expect(problem.message.contains("segment 3 of chain \(chain) is missing (outbox/audit/\(segment(3)))"), "\(problem)")
    }

    @Test func twoRemovedMiddleSegmentsAreNamedTogether() throws {
        let maker = try segmentedChain()
        try maker.remove(segment(2))
        try maker.remove(segment(3))
        let problem = try onlyProblem(maker)
        #expect(problem.file == "outbox/audit/\(segment(4))")
        #expect(problem.message.contains("segments 2…3 of chain \(chain) are missing"), "\(problem)")
    }

    @Test func aReplacedMiddleSegmentBreaksTheLinkToTheNext() throws {
        let maker = try segmentedChain()
        // Segment 3 loses its last line: its own lines still chain, but segment 4 no longer continues it.
        var lines = maker.lines(segment(3))
        lines.removeLast()
        try maker.root.write("outbox/audit/" + segment(3), lines.joined(separator: "\n") + "\n")
        let problem = try onlyProblem(maker)
        #expect(problem.file == "outbox/audit/\(segment(4))")
        #expect(problem.line == 1)
        #expect(problem.message.contains("'prev' is not the last hash of outbox/audit/\(segment(3)) (segment 3)"), "\(problem)")
    }

    @Test func anEditedLineIsReportedOnceNotAgainAtTheNextSegment() throws {
        let maker = try segmentedChain()
        var lines = maker.lines(segment(2))
        lines[lines.count - 1] = lines[lines.count - 1].replacingOccurrences(of: "\"step.started\"", with: "\"step.retry\"")
        try maker.root.write("outbox/audit/" + segment(2), lines.joined(separator: "\n") + "\n")
        let problem = try onlyProblem(maker)
        #expect(problem.file == "outbox/audit/\(segment(2))")
        #expect(problem.line == lines.count)
    }

    @Test func removedFirstSegmentsWithoutAHeadRecordAreFound() throws {
        let maker = try segmentedChain()
        try maker.remove(segment(1))
        try maker.remove(segment(2))
        let problem = try onlyProblem(maker)
        #expect(problem.file == "outbox/audit/\(segment(3))")
        #expect(problem.line == 1)
        #expect(
            problem.message
                == "segments 1…2 of chain \(chain) were removed without a head record (outbox/audit/\(chain).head.json): the chain's beginning is missing"
        )
    }

    @Test func removedFirstSegmentsWithAHeadRecordVerify() throws {
        let maker = try segmentedChain()
        try head(maker, segment: 3)
        try maker.remove(segment(1))
        try maker.remove(segment(2))
        let report = try maker.verify()
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.chains == 1)
    }

    @Test func aHeadRecordThatDoesNotMatchItsSegmentIsFound() throws {
        let maker = try segmentedChain()
        try head(maker, segment: 3, continuesFrom: String(repeating: "a", count: 64))
        try maker.remove(segment(1))
        try maker.remove(segment(2))
        let problem = try onlyProblem(maker)
        #expect(problem.file == "outbox/audit/\(segment(3))")
        #expect(problem.line == 1)
        #expect(problem.message.contains("is not the 'continuesFrom' of the head record outbox/audit/\(chain).head.json"), "\(problem)")
    }

    @Test func aHeadRecordNamingAnEarlierSegmentThanTheFirstLeftIsFound() throws {
        let maker = try segmentedChain()
        try head(maker, segment: 2)
        for n in 1...3 { try maker.remove(segment(n)) }
        let problem = try onlyProblem(maker)
        #expect(problem.file == "outbox/audit/\(segment(4))")
        #expect(problem.message.contains("segments 2…3 of chain \(chain) are missing"), "\(problem)")
        #expect(problem.message.contains("says the chain begins at segment 2"), "\(problem)")
    }

    /// A prune killed after its head record and before (all of) its removals: the older segments left still chain into it.
    @Test func aHeadRecordWithOlderSegmentsStillThereVerifies() throws {
        let maker = try segmentedChain()
        try head(maker, segment: 4)
        #expect(try maker.verify().problems.isEmpty)
        try maker.remove(segment(1))
        #expect(try maker.verify().problems.isEmpty)
        try maker.remove(segment(2))
        #expect(try maker.verify().problems.isEmpty)
    }

    @Test func aBrokenOrMisplacedHeadRecordIsFound() throws {
        let maker = try segmentedChain()
        try maker.root.write("outbox/audit/\(chain).head.json", "{not json")
        var problem = try #require(try maker.verify().problems.first)
        #expect(problem.file == "outbox/audit/\(chain).head.json")
        #expect(problem.line == 0)
        #expect(problem.message.contains("cannot be used: it is not valid JSON"), "\(problem)")

        // A head record of another chain, copied under this chain's name.
        try maker.root.write(
            "outbox/audit/\(chain).head.json",
            #"{"chain":"other","continuesFrom":"x","removedAt":"2026-01-01T00:00:00.000Z","removedThrough":1,"segment":2}"#)
        problem = try #require(try maker.verify().problems.first)
        #expect(problem.message.contains("names chain 'other'"), "\(problem)")

        try maker.root.write(
            "outbox/audit/gone.head.json",
            #"{"chain":"gone","continuesFrom":"x","removedAt":"2026-01-01T00:00:00.000Z","removedThrough":1,"segment":2}"#)
        let gone = try #require(try maker.verify().problems.first { $0.file == "outbox/audit/gone.head.json" })
        #expect(gone.message.contains("has a head record but none of its segments"), "\(gone)")
    }

    @Test func aSegmentWhoseFirstLineIsNotItsSegmentEventIsFound() throws {
        let maker = AuditChainMaker(root: try TemporaryRoot())
        // A whole chain renamed as another chain's segment 2.
        try maker.write(maker.log(pid: 1), count: 3)
        try maker.write(maker.log(pid: 2), count: 3)
        try FileManager.default.moveItem(
            atPath: maker.root.file("outbox/audit/\(AuditChainMaker.chain(pid: 2)).jsonl"), toPath: maker.root.file("outbox/audit/\(segment(2))"))
        let problem = try onlyProblem(maker)
        #expect(problem.file == "outbox/audit/\(segment(2))")
        #expect(problem.line == 1)
    }

    @Test func aTornLastLineInTheLastSegmentIsStillFound() throws {
        let maker = try segmentedChain()
        let last = try #require(maker.segments.last)
        let path = maker.root.file("outbox/audit/" + last)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"actor":"h:1","at":"2026"#.utf8))
        handle.closeFile()
        let problem = try onlyProblem(maker)
        #expect(problem.file == "outbox/audit/" + last)
        #expect(problem.message.contains("torn last line"))
    }

    @Test func verifyJSONKeepsItsShapeAndCountsChains() async throws {
        let maker = try segmentedChain()
        try maker.remove(segment(3))
        let result = await CLITester(root: maker.root.path).run(["audit", "verify", "--json"])
        #expect(result.code == .failure)
        let json = try JSONParser.parse(result.stdout)
        #expect(json["ok"] == false)
        #expect(json["chains"] == 1)
        #expect(json["files"]?.intValue == maker.segments.count)
        #expect(json["events"]?.intValue ?? 0 > 0)
        #expect(json["problems"]?[0]?["file"] == .string("outbox/audit/\(segment(4))"))
        #expect(json["problems"]?[0]?["line"] == 1)
        let text = await CLITester(root: maker.root.path).run(["audit", "verify"])
        #expect(text.stdout.contains("broken: outbox/audit/\(segment(4)):1: segment 3 of chain"), "\(text.stdout)")
    }
}
