import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A `watch` whose `droprun.json` changes under it says so on its warnings, and keeps the configuration it started with.
@Suite struct ConfigurationWatchTests {
    /// Waits (real time, bounded) until the runner has said something containing `text`.
    func said(_ text: String, in warnings: RunnerWarnings, clock: ManualClock, stepMs: Int) async -> Bool {
        let limit = Date().addingTimeInterval(20)
        while Date() < limit {
            if warnings.messages.contains(where: { $0.contains(text) }) { return true }
            clock.advance(by: .milliseconds(stepMs))
            try? await Task.sleep(for: .milliseconds(2))
        }
        return false
    }

    @Test func aChangedOrBrokenConfigurationIsReportedAndTheStartingOneKept() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        let clock = ManualClock()
        var configuration = Configuration.fastForTests
        configuration.pollIntervalMs = 100
        var context = root.engine(clock: clock, configuration: configuration)
        let warnings = RunnerWarnings()
        context.warnings = warnings
        let stop = StopToken()
        context.stop = stop
        let runner = Runner(context: context)
        let watching = Task { try await runner.watch(grace: .zero) }
        #expect(await clock.waitForSleep(ms: 100))

        // An idle look with the file unchanged says nothing.
        clock.advance(by: .milliseconds(100))
        try await Task.sleep(for: .milliseconds(20))
        #expect(warnings.messages.isEmpty, "\(warnings.messages)")

        try root.write("droprun.json", #"{"durability": "fast", "providers": {"exec": {"commands": {"cat": {"path": "/bin/cat"}}}}}"#)
        #expect(await said("droprun.json changed", in: warnings, clock: clock, stepMs: 100), "\(warnings.messages)")
        #expect(
            warnings.messages.last?.contains("this runner keeps the configuration it started with until it is restarted") == true,
            "\(warnings.messages)")

        try root.write("droprun.json", #"{"durability": "fats"}"#)
        #expect(await said("cannot be used", in: warnings, clock: clock, stepMs: 100), "\(warnings.messages)")
        let broken = warnings.messages.last ?? ""
        #expect(broken.contains("$.durability"), "the error names the key: \(broken)")
        #expect(broken.contains("keeps the configuration it started with"), "\(broken)")

        // The runner goes on with what it started with: a request still runs.
        try root.drop("after.json", RequestText.make(id: "after", steps: [#"{"id": "a", "provider": "echo", "with": {"x": 1}}"#]))
        let limit = Date().addingTimeInterval(20)
        while !root.exists("outbox/results/after.json"), Date() < limit {
            clock.advance(by: .milliseconds(100))
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(root.json("outbox/results/after.json")?["status"] == "succeeded")
        stop.stop()
        try await watching.value
    }
}
