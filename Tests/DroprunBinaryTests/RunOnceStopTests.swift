import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// `run --once` stopped by a signal (systemd's stop of droprun-once.service, Ctrl-C, a hangup), with the built binary.
@Suite(.serialized) struct RunOnceStopTests {
    /// A request whose second step waits `ms`, dropped into a fresh root with a long lease (a takeover needs no wait).
    static func root(delayMs: Int) throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast", "leaseSeconds": 60}"#)
        try root.drop(
            "long.json",
            RequestText.make(
                id: "long",
                steps: [
                    #"{"id": "first", "provider": "template", "with": {"template": "done"}}"#,
                    #"{"id": "wait", "provider": "delay", "with": {"ms": \#(delayMs)}}"#,
                ]))
        return root
    }

    /// Waits until the run's second step started (its `step.started` is in the audit log); returns when it started.
    static func waitForTheLongStep(_ root: TemporaryRoot) async throws -> Date {
        let deadline = Date().addingTimeInterval(15)
        func started() -> [Date] {
            root.auditEvents().filter { $0["runId"]?.stringValue == "long" && $0["event"]?.stringValue == "step.started" }
                .compactMap { $0["at"]?.stringValue.flatMap(Timestamp.parse) }
        }
        while started().count < 2, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let times = started()
        try #require(times.count == 2, "the long step never started")
        return times[1]
    }

    /// SIGTERM, SIGINT and SIGHUP stop the pass: the step is interrupted (grace 0), the heartbeat removed, the summary
    /// printed, exit 1; the record is released (status says it resumes on the next runner) and the next pass finishes it.
    ///
    /// A test starved of its threads (a loaded machine) can see the step start late, and signal as the step is
    /// ending, when there is nothing left to stop: a signal sent more than 4 s into the 10 s step proves nothing, so
    /// that try is thrown away and made again with a fresh root (at most 4 tries; a signal not acted on still fails).
    @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
    func aStopSignalInterruptsReleasesAndTheNextPassFinishes(_ signal: Int32) async throws {
        for _ in 1...4 {
            if try await Self.stopAndResume(signal) { return }
        }
        Issue.record("signal \(signal): the test never managed to signal within 4 s of the step's start (the machine is too loaded)")
    }

    /// One try; false when the signal went out too late to tell anything (nothing was checked).
    static func stopAndResume(_ signal: Int32) async throws -> Bool {
        let root = try Self.root(delayMs: 10_000)
        let runner = try BuiltBinary.start(["run", "--once", "--grace-seconds", "0"], root: root.path)
        let stepStarted = try await Self.waitForTheLongStep(root)
        let signalled = Date()
        kill(runner.processIdentifier, signal)
        let output = try await blockingWork { try runner.wait(timeout: 20) }
        guard signalled.timeIntervalSince(stepStarted) < 4 else { return false }
        // Not timed (a loaded machine can take seconds to exit): that the pass did not wait for the step is that the
        // step has no result and the run is left interrupted, below.
        #expect(output.code == 1, "signal \(signal): \(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("0 runs: 0 succeeded") && output.stdout.contains("stopped by a signal"), "\(output.stdout)\(output.stderr)")
        #expect(root.list("outbox/runners").isEmpty, "the heartbeat is removed")
        #expect(!root.exists("outbox/results/long.json"))
        let status = try await blockingWork { try BuiltBinary.run(["status", "long"], root: root.path) }
        #expect(status.stdout.contains("interrupted, resumes on the next runner"), "\(status.stdout)")
        guard signal == SIGTERM else { return true }
        let next = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 30) }
        #expect(next.code == 0, "\(next.stdout)\(next.stderr)")
        #expect(root.json("outbox/results/long.json")?["status"] == "succeeded", "\(next.stdout)\(next.stderr)")
        #expect(!root.exists("outbox/running/long.json"))
        return true
    }

    /// Within the grace period a running step finishes: the run succeeds, but the pass still says it was stopped.
    @Test func aStepThatEndsWithinTheGraceFinishes() async throws {
        let root = try Self.root(delayMs: 1500)
        let runner = try BuiltBinary.start(["run", "--once", "--grace-seconds", "20"], root: root.path)
        _ = try await Self.waitForTheLongStep(root)
        kill(runner.processIdentifier, SIGTERM)
        let output = try await blockingWork { try runner.wait(timeout: 30) }
        #expect(output.code == 1, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("1 run: 1 succeeded"), "\(output.stdout)")
        #expect(root.json("outbox/results/long.json")?["status"] == "succeeded")
        #expect(root.list("outbox/runners").isEmpty, "the heartbeat is removed")
    }
}
