import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// Issue 11 item 4: a run carrying a value at the deepest nesting a request may have is read back by every reader of records.
@Suite struct RecordDepthTests {
    /// `levels` nested arrays around a string: `[[["deep"]]]`.
    static func nested(_ levels: Int) -> String {
        String(repeating: "[", count: levels) + #""deep""# + String(repeating: "]", count: levels)
    }

    /// The deepest `input.v` a request admits: the request's object and `input` are two levels of the 64.
    static let deepest = JSONParser.defaultMaxDepth - 2

    /// A request whose input nests `levels` arrays deep, echoed, then followed by `then` (step JSON texts).
    static func request(id: String, levels: Int = deepest, then: [String]) -> String {
        RequestText.make(
            id: id, steps: [#"{"id":"e","provider":"echo","with":{"v":"{{input.v}}"}}"#] + then,
            input: #"{"v": \#(nested(levels))}"#)
    }

    static let approval = #"{"id":"ok","provider":"approval","with":{"message":"go?"}}"#

    @Test func theDeepestRequestIsAdmittedAndOneLevelMoreIsNot() throws {
        let decoder = RequestDecoder(configuration: Configuration(), registry: .builtIn)
        guard case .success = decoder.decode(Array(Self.request(id: "a", then: []).utf8), fileName: "a.json") else {
            Issue.record("the deepest request was refused")
            return
        }
        guard case .failure(let rejection) = decoder.decode(Array(Self.request(id: "a", levels: Self.deepest + 1, then: []).utf8), fileName: "a.json")
        else {
            Issue.record("a request one level too deep was admitted")
            return
        }
        #expect(rejection.reason == .invalidJSON)
    }

    /// The reproduction of the issue, in-process: the run waits, `status` and `show` read it, an approval finishes it.
    @Test func aRunAtTheDeepestWaitsIsShownAndIsApproved() async throws {
        let root = try TemporaryRoot()
        try root.drop("deep.json", Self.request(id: "deep", then: [Self.approval]))
        let first = try await root.runOnce()
        #expect(first.counts[.waiting] == 1, "\(first.outcomes)")
        let record = try RecordReader.record(at: root.file("outbox/running/deep.json"), fileSystem: PosixFileSystem())
        #expect(record.status == .waitingApproval)
        let cli = CLITester(root: root.path)
        for command in [["status", "deep"], ["show", "deep"], ["list"]] {
            let result = await cli.run(command)
            #expect(result.code == .success, "\(command): \(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("deep"), "\(command): \(result.stdout)")
        }
        try root.drop("yes.json", #"{"kind":"approval","runId":"deep","decision":"approve","by":"ada"}"#)
        let second = try await root.runOnce()
        #expect(second.count(.succeeded) == 1, "\(second.outcomes)")
        #expect(root.list("outbox/rejected").isEmpty, "\(root.list("outbox/rejected"))")
        let result = try RecordReader.record(at: root.file("outbox/results/deep.json"), fileSystem: PosixFileSystem())
        let input = try JSONParser.parse(Self.nested(Self.deepest))
        #expect(result.steps.first?.output == ["v": input])
        let artifacts = await cli.run(["artifacts", "deep"])
        #expect(artifacts.code == .success, "\(artifacts.stderr)")
    }

    /// A waiting run at the deepest can be cancelled, and expires.
    @Test func aWaitingRunAtTheDeepestIsCancelledAndExpires() async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_800_000_000))
        try root.drop("c.json", Self.request(id: "c", then: [Self.approval]))
        try root.drop(
            "x.json", Self.request(id: "x", then: [#"{"id":"ok","provider":"approval","with":{"message":"go?","expiresAfterSeconds":60}}"#]))
        let first = try await root.runOnce(clock: clock)
        #expect(first.counts[.waiting] == 2, "\(first.outcomes)")
        try root.drop("stop.json", #"{"kind":"cancel","runId":"c"}"#)
        clock.advance(by: .seconds(61))
        let second = try await root.runOnce(clock: clock)
        #expect(second.count(.cancelled) == 1 && second.count(.failed) == 1, "\(second.outcomes)")
        #expect(root.json("outbox/results/c.json")?["status"] == "cancelled")
        #expect(root.json("outbox/results/x.json")?["error"]?["code"] == "approval_expired")
    }

    /// The bound is computed from the real files: a record, a result and a checkpoint-log line holding the deepest output fit.
    @Test func theFilesHoldingTheDeepestOutputFitTheReadersDepth() async throws {
        let root = try TemporaryRoot()
        // An output exactly `StepOutputLimit.maxDepth` deep: {"v": input} with input 63 levels.
        let request = RequestText.make(
            id: "fit",
            steps: [
                #"{"id":"e","provider":"echo","with":{"v":"{{input}}"}}"#,
                #"{"id":"t","provider":"template","with":{"template":"x"}}"#,
                #"{"id":"d","provider":"delay","with":{"ms":0}}"#,
            ], input: #"{"v": \#(Self.nested(Self.deepest))}"#)
        try root.drop("fit.json", request)
        let summary = try await root.runOnce()
        #expect(summary.count(.succeeded) == 1, "\(summary.outcomes)")
        let result = try #require(root.read("outbox/results/fit.json"))
        let output = try #require(try RecordReader.parse(Array(result.utf8))["steps"]?[0]?["output"])
        #expect(output.nestingDepth() == StepOutputLimit.maxDepth)
        // The deepest wrapping: a checkpoint-log line around the record.
        let record = try RecordReader.parse(Array(result.utf8))
        var line: [UInt8] = []
        JSONWriter.appendCompact(["record": record, "claim": "fit.json"], to: &line)
        let depth = try JSONParser.parse(line, maxDepth: 10_000).nestingDepth()
        #expect(depth <= RecordReader.maxDepth, "a checkpoint line nests \(depth) levels")
        #expect(depth == StepOutputLimit.maxDepth + 4, "the wrapping named in RecordReader.wrapping")
    }

    /// An output deeper than a run can carry fails its step with a clear code, and the run's record stays readable.
    @Test func anOutputDeeperThanTheLimitFailsTheStep() async throws {
        let root = try TemporaryRoot()
        let request = RequestText.make(
            id: "over", steps: [#"{"id":"e","provider":"echo","with":{"a":{"v":"{{input}}"}}}"#],
            input: #"{"v": \#(Self.nested(Self.deepest))}"#)
        try root.drop("over.json", request)
        let summary = try await root.runOnce()
        #expect(summary.count(.failed) == 1, "\(summary.outcomes)")
        let record = try RecordReader.record(at: root.file("outbox/results/over.json"), fileSystem: PosixFileSystem())
        #expect(record.error?.code == .outputTooDeep)
        #expect(record.error?.message.contains("deeper than 64 levels") == true)
    }

    /// A record nobody can read is said on the runner's sink, once, naming the file; the run is left where it is.
    @Test func anUnreadableRecordIsReportedNotSkippedInSilence() async throws {
        let root = try TemporaryRoot()
        try root.write("outbox/running/broken.json", #"{"runId": "broken", "status": "running", "#)
        try root.write("outbox/running/odd.json", #"{"runId": "odd"}"#)
        let context = root.engine()
        defer { context.audit.close() }
        let runner = Runner(context: context)
        _ = try await runner.runOnce()
        _ = try await runner.runOnce()
        let messages = context.warnings.messages
        #expect(messages.count == 2, "each once: \(messages)")
        #expect(messages.contains { $0.hasPrefix("unreadable record at outbox/running/broken.json: it is not valid JSON") }, "\(messages)")
        #expect(
            messages.contains {
                $0.hasPrefix("unreadable record at outbox/running/odd.json: it is not a run record ($.status should be a run status)")
            }, "\(messages)")
        #expect(messages.allSatisfy { $0.contains("repair it or move it aside") })
        #expect(root.exists("outbox/running/broken.json"))
        // The reader says why, for `list` and `status`.
        let error = #expect(throws: UnreadableRecord.self) {
            try RecordReader.record(at: root.file("outbox/running/odd.json"), fileSystem: PosixFileSystem())
        }
        #expect(error?.reason == .notARunRecord("$.status should be a run status"))
    }

    /// A damaged whole line in a dead runner's checkpoint log is reported, not skipped in silence; a torn last line is not a warning.
    @Test func aDamagedCheckpointLineIsReported() async throws {
        let root = try TemporaryRoot()
        try root.write("outbox/checkpoints/deadhost-7/1.log", "{\"record\": {\"runId\": \n{\"claim\": \"x.json\"}\n{\"torn")
        let context = root.engine()
        defer { context.audit.close() }
        _ = try await Runner(context: context).runOnce()
        #expect(
            context.warnings.messages == [
                "unreadable record at outbox/checkpoints/deadhost-7/1.log line 1: it is not valid JSON (unexpected end of input at line 1, column 22)"
                    + "; " + CheckpointLog.damagedLineHint,
                "unreadable record at outbox/checkpoints/deadhost-7/1.log line 2: it is not a run record (no record with a runId)"
                    + "; " + CheckpointLog.damagedLineHint,
            ], "\(context.warnings.messages)")
    }

    /// The command line writes the runner's warnings to standard error.
    @Test func runOnceWritesTheWarningToStandardError() async throws {
        let root = try TemporaryRoot()
        try root.write("outbox/running/broken.json", "{")
        let result = await CLITester(root: root.path).run(["run", "--once"])
        #expect(result.stderr.contains("droprun: warning: unreadable record at outbox/running/broken.json"), "\(result.stderr)")
    }

    /// A hostile record nested far deeper than the cap is refused with an error, never by exhausting the stack (on a small thread).
    @Test func aHostileDeepRecordIsRefusedOnASmallStack() async throws {
        let text = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        let refused = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
            let thread = Thread {
                do {
                    _ = try RecordReader.parse(Array(text.utf8))
                    continuation.resume(returning: false)
                } catch {
                    continuation.resume(returning: (error as? JSONParseError)?.tooDeep == true)
                }
            }
            thread.stackSize = 512 << 10
            thread.start()
        }
        #expect(refused)
    }
}
