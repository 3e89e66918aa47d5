import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A finished run's index line keeps its steps: provider, status, duration and attempts, as its result says.
@Suite struct IndexEntryStepsTests {
    static let flaky = RequestText.make(
        id: "flaky",
        steps: [
            #"{"id": "first", "provider": "echo", "with": {"x": 1}}"#,
            #"{"id": "shaky", "provider": "fail", "with": {"code": "busy", "message": "try again", "retryable": true, "times": 2}, "retry": {"maxAttempts": 3, "backoffMs": 10}}"#,
            #"{"id": "wait", "provider": "delay", "with": {"ms": 25}}"#,
        ],
        extra: #""labels": {"tenant": "acme"}"#)

    static let broken = RequestText.make(
        id: "broken",
        steps: [
            #"{"id": "boom", "provider": "fail", "with": {"code": "nope", "message": "no"}}"#,
            #"{"id": "never", "provider": "echo", "with": {}}"#,
        ])

    @Test func aRunFinishedByTheEngineHasItsStepsInItsLine() async throws {
        let root = try makeRoot()
        try root.drop("flaky.json", Self.flaky)
        try root.drop("broken.json", Self.broken)
        try await root.runOnce()
        let flaky = try #require(root.indexEntries("flaky").first)
        let steps = try #require(flaky.steps)
        #expect(steps.map(\.id) == ["first", "shaky", "wait"])
        #expect(steps.map(\.provider) == ["echo", "fail", "delay"])
        #expect(steps.map(\.status) == [.succeeded, .succeeded, .succeeded])
        #expect(steps.map(\.attempts) == [1, 3, 1])
        #expect(steps.map(\.retries) == [0, 2, 0])
        // The result's own step durations, to the millisecond (the instant clock advanced by the backoff and the delay).
        let result = try #require(root.json("outbox/results/flaky.json").flatMap(RunRecord.init(json:)))
        #expect(steps == result.steps.map(IndexEntry.Step.init))
        #expect((steps[2].durationMs ?? 0) >= 25)
        #expect((steps[1].durationMs ?? 0) >= 10)
        let broken = try #require(root.indexEntries("broken").first?.steps)
        #expect(broken.map(\.status) == [.failed, .skipped])
        #expect(broken[1].durationMs == nil)
        #expect(broken[1].attempts == 0)
        // In the line's bytes: the compact arrays.
        let file = try #require(root.list("outbox/index").first { $0.hasSuffix(".jsonl") })
        #expect(root.read("outbox/index/" + file)?.contains(#""steps":[["boom","fail","failed","#) == true)
    }

    /// A rebuild writes the same steps from the results (with the one line writer).
    @Test func aRebuildWritesTheStepsToo() async throws {
        let root = try makeRoot()
        try root.drop("flaky.json", Self.flaky)
        try await root.runOnce()
        let written = try #require(root.indexEntries("flaky").first)
        try FileManager.default.removeItem(atPath: root.layout.index)
        let result = await CLITester(root: root.path).run(["--root", root.path, "reindex"])
        #expect(result.code == .success)
        let rebuilt = try #require(root.indexEntries("flaky").first)
        #expect(rebuilt.steps == written.steps)
        #expect(rebuilt.steps?.count == 3)
    }
}
