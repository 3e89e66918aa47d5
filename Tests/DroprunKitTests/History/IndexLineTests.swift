import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The one line writer (`IndexLine`, which `IndexEntry.line` is) gives the bytes of the canonical JSON writer.
@Suite struct IndexLineTests {
    static let steps: [IndexEntry.Step] = [
        IndexEntry.Step(id: "fetch", provider: "exec", status: .succeeded, durationMs: 120, attempts: 3),
        IndexEntry.Step(id: "ask \"boss\"/é", provider: "approval", status: .failed, durationMs: 0, attempts: 1),
        IndexEntry.Step(id: "status", provider: "echo", status: .skipped, durationMs: nil, attempts: 0),
    ]

    static let entries: [IndexEntry] = [
        IndexWriterTests.entry("a", finishedAt: "2026-12-01T10:00:00.000Z"),
        IndexEntry(
            runId: "b.r1", status: .failed, workflowName: "wé \"q\"\n", workflowVersion: nil,
            labels: ["zeta": "1", "Alpha": "é", "alpha": "x/y", "ä": "\u{1}"], createdAt: Date(timeIntervalSince1970: 1_764_000_000.123),
            finishedAt: Date(timeIntervalSince1970: 1_764_000_001.5), durationMs: nil, errorCode: "step_timeout", errorStep: nil,
            requestSHA256: "", audit: ["c1.jsonl", "c1~0002.jsonl"], steps: steps),
        IndexEntry(
            runId: "c", status: .cancelled, workflowName: "w", workflowVersion: "2", labels: ["k": "v"], createdAt: Date(timeIntervalSince1970: 0),
            finishedAt: Date(timeIntervalSince1970: 86_400), durationMs: 0, errorCode: "cancelled", errorStep: "s", requestSHA256: "ff", audit: [],
            steps: []),
        IndexEntry(
            runId: "d", status: .succeeded, workflowName: "w", workflowVersion: "1", labels: [:], createdAt: Date(timeIntervalSince1970: 10),
            finishedAt: Date(timeIntervalSince1970: 11), durationMs: -3, errorCode: nil, errorStep: nil, requestSHA256: "ff", audit: ["x"],
            steps: [IndexEntry.Step(id: "s", provider: "delay", status: .succeeded, durationMs: -1, attempts: 1)]),
    ]

    @Test(arguments: entries) func sameBytesAsTheCanonicalJSONWriter(_ entry: IndexEntry) {
        let canonical = JSONWriter.compactBytes(entry.json) + [0x0A]
        #expect(String(decoding: IndexLine.bytes(entry), as: UTF8.self) == String(decoding: canonical, as: UTF8.self))
        #expect(entry.line == canonical)
    }

    @Test(arguments: entries) func aLineReadsBackAsItsEntry(_ entry: IndexEntry) {
        #expect(IndexEntry(line: entry.line.dropLast()) == entry)
    }

    @Test func stepsAreFiveElementArraysBetweenStatusAndWorkflow() {
        let line = String(decoding: Self.entries[1].line, as: UTF8.self)
        #expect(
            line.contains(
                #""status":"failed","steps":[["fetch","exec","succeeded",120,3],["ask \"boss\"/é","approval","failed",0,1],["status","echo","skipped",null,0]],"workflow":{"#
            ))
    }

    /// A line of an older droprun has no `steps`: it reads, with steps nil, and is written again without them.
    @Test func aLineWithoutStepsReadsWithStepsNil() throws {
        let old =
            #"{"audit":[],"createdAt":"2026-12-01T10:00:00.000Z","durationMs":5,"error":null,"finishedAt":"2026-12-01T10:00:01.000Z","labels":{},"runId":"old","sha256":"ff","status":"succeeded","workflow":{"name":"w","version":null}}"#
        let entry = try #require(IndexEntry(line: Array(old.utf8)))
        #expect(entry.steps == nil)
        #expect(entry.runId == "old")
        #expect(String(decoding: entry.line, as: UTF8.self) == old + "\n")
    }

    /// A `steps` member that is not an array of steps (edited by hand) leaves the run readable, without steps.
    @Test(arguments: [#""steps":{}"#, #""steps":[["a","echo","nope",1,1]]"#, #""steps":[["a","echo","succeeded","1",1]]"#, #""steps":[["a"]]"#])
    func aBrokenStepsMemberReadsAsNoSteps(_ member: String) throws {
        let line =
            #"{"audit":[],"createdAt":"2026-12-01T10:00:00.000Z","durationMs":5,"error":null,"finishedAt":"2026-12-01T10:00:01.000Z","labels":{},"runId":"x","sha256":"ff","status":"succeeded",\#(member),"workflow":{"name":"w","version":null}}"#
        let entry = try #require(IndexEntry(line: Array(line.utf8)))
        #expect(entry.steps == nil)
    }
}
