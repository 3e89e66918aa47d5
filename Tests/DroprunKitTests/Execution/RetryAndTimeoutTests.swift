import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

@Suite struct RetryAndTimeoutTests {
    /// Starts `run --once` in the background on a manual clock.
    func start(_ root: TemporaryRoot, clock: ManualClock, configuration: Configuration = .fastForTests) -> Task<RunOnceSummary, any Error> {
        Task { try await root.runOnce(clock: clock, configuration: configuration) }
    }

    @Test func retryableFailureIsRetriedWithGrowingBackoff() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "r.json",
            RequestText.make(steps: [
                #"{"id": "flaky", "provider": "fail", "with": {"code": "busy", "retryable": true, "times": 2}, "retry": {"maxAttempts": 3, "backoffMs": 200, "multiplier": 2}}"#
            ]))
        let clock = ManualClock()
        let task = start(root, clock: clock)
        #expect(await clock.waitForSleep(ms: 200))
        clock.advance(by: .milliseconds(200))
        #expect(await clock.waitForSleep(ms: 400))
        clock.advance(by: .milliseconds(400))
        let summary = try await task.value
        #expect(summary.count(.succeeded) == 1)
        let result = try #require(root.json("outbox/results/r.json"))
        #expect(result["steps"]?.arrayValue?.first?["attempts"] == 3)
        #expect(
            root.auditEventNames(runId: "r") == [
                "run.queued", "run.started", "step.started", "step.retry", "step.started", "step.retry", "step.started", "step.succeeded",
                "run.succeeded",
            ])
        let retries = root.auditEvents().filter { $0["event"] == "step.retry" }.compactMap { $0["data"]?["delayMs"]?.intValue }
        #expect(retries == [200, 400])
    }

    @Test func backoffIsCappedByMaxBackoff() {
        let policy = RetryPolicy(maxAttempts: 10, backoffMs: 100, multiplier: 3, maxBackoffMs: 1000)
        #expect((1...5).map(policy.delayMs(afterAttempt:)) == [100, 300, 900, 1000, 1000])
    }

    @Test func nonRetryableFailureIsNotRetried() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "n.json",
            RequestText.make(steps: [
                #"{"id": "bad", "provider": "fail", "with": {"code": "nope"}, "retry": {"maxAttempts": 5, "backoffMs": 10}}"#,
                #"{"id": "after", "provider": "echo", "with": {}}"#,
            ]))
        let clock = InstantClock()
        let summary = try await root.runOnce(clock: clock)
        #expect(summary.count(.failed) == 1)
        #expect(clock.sleeps.isEmpty)
        let result = try #require(root.json("outbox/results/n.json"))
        #expect(result["status"] == "failed")
        #expect(result["error"]?["code"] == "nope")
        #expect(result["error"]?["step"] == "bad")
        let steps = try #require(result["steps"]?.arrayValue)
        #expect(steps[0]["attempts"] == 1)
        #expect(steps[0]["status"] == "failed")
        #expect(steps[1]["status"] == "skipped")
    }

    @Test func retriesStopAtMaxAttempts() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "m.json",
            RequestText.make(steps: [
                #"{"id": "always", "provider": "fail", "with": {"code": "busy", "retryable": true}, "retry": {"maxAttempts": 3, "backoffMs": 50, "multiplier": 1}}"#
            ]))
        let clock = InstantClock()
        try await root.runOnce(clock: clock)
        let result = try #require(root.json("outbox/results/m.json"))
        #expect(result["status"] == "failed")
        #expect(result["steps"]?.arrayValue?.first?["attempts"] == 3)
        #expect(clock.sleeps == [50, 50])
    }

    @Test func stepTimeoutFailsTheAttemptAndIsRetryable() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "t.json",
            RequestText.make(steps: [
                #"{"id": "slow", "provider": "delay", "with": {"ms": 5000}, "timeoutMs": 1000, "retry": {"maxAttempts": 2, "backoffMs": 100}}"#
            ]))
        let clock = ManualClock()
        let task = start(root, clock: clock)
        // Attempt 1: the delay (5000) races the limit (1000).
        #expect(await clock.waitForSleep(ms: 1000))
        #expect(await clock.waitForSleep(ms: 5000))
        clock.advance(by: .milliseconds(1000))
        #expect(await clock.waitForSleep(ms: 100))
        clock.advance(by: .milliseconds(100))
        #expect(await clock.waitForSleep(ms: 1000))
        clock.advance(by: .milliseconds(1000))
        _ = try await task.value
        let result = try #require(root.json("outbox/results/t.json"))
        #expect(result["status"] == "failed")
        #expect(result["error"]?["code"] == "step_timeout")
        #expect(result["error"]?["retryable"] == true)
        #expect(result["steps"]?.arrayValue?.first?["attempts"] == 2)
    }

    @Test func runTimeoutFailsTheRun() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "rt.json",
            RequestText.make(
                steps: [
                    #"{"id": "wait", "provider": "delay", "with": {"ms": 10000}}"#,
                    #"{"id": "never", "provider": "echo", "with": {}}"#,
                ], extra: #""timeoutSeconds": 2"#))
        let clock = ManualClock()
        let task = start(root, clock: clock)
        #expect(await clock.waitForSleep(ms: 2000))
        clock.advance(by: .seconds(2))
        _ = try await task.value
        let result = try #require(root.json("outbox/results/rt.json"))
        #expect(result["status"] == "failed")
        #expect(result["error"]?["code"] == "run_timeout")
        #expect(result["steps"]?.arrayValue?.last?["status"] == "skipped")
    }

    @Test func runTimeoutCutsABackoffShort() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "rb.json",
            RequestText.make(
                steps: [
                    #"{"id": "flaky", "provider": "fail", "with": {"retryable": true}, "retry": {"maxAttempts": 5, "backoffMs": 5000}}"#
                ], extra: #""timeoutSeconds": 1"#))
        let clock = InstantClock()
        try await root.runOnce(clock: clock)
        let result = try #require(root.json("outbox/results/rb.json"))
        #expect(result["error"]?["code"] == "run_timeout")
        #expect(!clock.sleeps.contains(5000), "a backoff longer than the time left is not waited")
    }

    @Test func defaultStepTimeoutComesFromConfiguration() async throws {
        let root = try TemporaryRoot()
        try root.drop("d.json", RequestText.make(steps: [#"{"id": "wait", "provider": "delay", "with": {"ms": 900}}"#]))
        var configuration = Configuration.fastForTests
        configuration.stepTimeoutMs = 300
        let clock = ManualClock()
        let task = start(root, clock: clock, configuration: configuration)
        #expect(await clock.waitForSleep(ms: 300))
        clock.advance(by: .milliseconds(300))
        _ = try await task.value
        #expect(root.json("outbox/results/d.json")?["error"]?["code"] == "step_timeout")
    }

    @Test func simulatedRateLimitIsRetriedUntilItPasses() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "l.json",
            RequestText.make(steps: [
                #"{"id": "ask", "provider": "llm", "with": {"model": "flaky", "prompt": "hello"}, "retry": {"maxAttempts": 50, "backoffMs": 1, "multiplier": 1}}"#
            ]))
        var configuration = Configuration.fastForTests
        configuration.llmModels["flaky"] = LLMModelSettings(failureRate: 0.5)
        try await root.runOnce(configuration: configuration)
        let result = try #require(root.json("outbox/results/l.json"))
        #expect(result["status"] == "succeeded")
        let attempts = try #require(result["steps"]?.arrayValue?.first?["attempts"]?.intValue)
        // The draw is seeded by run, step, attempt and model: the same number of attempts every time.
        let again = try TemporaryRoot()
        try again.drop(
            "l.json",
            RequestText.make(steps: [
                #"{"id": "ask", "provider": "llm", "with": {"model": "flaky", "prompt": "hello"}, "retry": {"maxAttempts": 50, "backoffMs": 1, "multiplier": 1}}"#
            ]))
        try await again.runOnce(configuration: configuration)
        #expect(again.json("outbox/results/l.json")?["steps"]?.arrayValue?.first?["attempts"]?.intValue == attempts)
    }
}
