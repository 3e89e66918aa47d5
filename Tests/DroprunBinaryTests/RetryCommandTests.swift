import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension EndToEndTests {
    /// `droprun retry` as a real process.
    ///
    /// Every test works on its own fresh root with `"durability": "fast"`.
    @Suite(.serialized) struct RetryCommandTests {
        @Test func retryRunsTheOriginalBytesAgainAsANewRun() async throws {
            let root = try makeRoot()
            let request = #"{"id":"again","workflow":{"name":"w","steps":[{"id":"a","provider":"fail","with":{"code":"flaky","message":"no"}}]}}"#
            try root.drop("again.json", request)
            #expect(try await droprun(["run", "--once"], root).code == 1)
            let firstResult = try #require(bytes(root.file("outbox/results/again.json")))

            let retried = try await droprun(["retry", "again"], root)
            #expect(retried.code == 0, "\(retried)")
            #expect(retried.stdout.contains("again.r1"))
            #expect(bytes(root.file("outbox/requests/again.r1.json")) == Array(request.utf8), "the retry does not hold the original bytes")
            #expect(try await droprun(["run", "--once"], root).code == 1)
            let retry = try #require(root.json("outbox/results/again.r1.json"), "the retry never ran")
            #expect(retry["retryOf"]?.stringValue == "again")
            #expect(retry["runId"]?.stringValue == "again.r1")
            #expect(bytes(root.file("outbox/results/again.json")) == firstResult, "the original result was replaced")

            let second = try await droprun(["retry", "again"], root)
            #expect(second.code == 0 && second.stdout.contains("again.r2"), "\(second)")
            let unknown = try await droprun(["retry", "never-was"], root)
            #expect(unknown.code == 1 && unknown.stderr.contains("never-was"), "\(unknown)")
        }
    }
}
