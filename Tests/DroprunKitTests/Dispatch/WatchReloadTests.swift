import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A running `watch` that reloads `droprun.json`: new runs get the new file, runs in flight keep theirs.
@Suite struct WatchReloadTests {
    /// A `watch` of `root` started as the command line starts one: the file's configuration with `overrides` on top.
    struct Watching {
        let task: Task<Void, any Error>
        let clock: ManualClock
        let warnings: RunnerWarnings
        let stop: StopToken
        let reload: ReloadToken

        /// Advances the clock in small steps (real time bounded) until `done`.
        func until(stepMs: Int = 50, _ done: () -> Bool) async -> Bool {
            let limit = Date().addingTimeInterval(60)
            while Date() < limit {
                if done() { return true }
                clock.advance(by: .milliseconds(stepMs))
                try? await Task.sleep(for: .milliseconds(2))
            }
            return done()
        }

        /// Waits until a notice contains `text`.
        func noticed(_ text: String) async -> Bool {
            await until { warnings.notices.contains { $0.contains(text) } }
        }

        func stopped() async throws {
            stop.stop()
            try await task.value
        }
    }

    func watch(_ root: TemporaryRoot, overrides: ConfigurationOverrides = ConfigurationOverrides()) throws -> Watching {
        let clock = ManualClock()
        let configuration = overrides.applied(to: try Configuration.load(root: root.path, fileSystem: PosixFileSystem()))
        var context = root.engine(clock: clock, configuration: configuration)
        let warnings = RunnerWarnings()
        context.warnings = warnings
        let stop = StopToken()
        context.stop = stop
        let reload = ReloadToken()
        let runner = Runner(context: context)
        let task = Task { try await runner.watch(grace: .zero, reload: ConfigurationReload(overrides: overrides, requests: reload)) }
        return Watching(task: task, clock: clock, warnings: warnings, stop: stop, reload: reload)
    }

    func delay(_ id: String, ms: Int) -> String {
        RequestText.make(id: id, steps: [#"{"id": "wait", "provider": "delay", "with": {"ms": \#(ms)}}"#])
    }

    let catStep = #"{"id": "c", "provider": "exec", "with": {"command": "cat", "input": {"n": 7}}}"#

    @Test func aReloadAppliesToNewRunsWhileARunInFlightKeepsItsConfiguration() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast", "concurrency": 1, "pollIntervalMs": 100}"#)
        try root.drop("slow.json", delay("slow", ms: 3000))
        let w = try watch(root)
        // The first look takes `slow` without the clock moving.
        let limit = Date().addingTimeInterval(60)
        while !root.auditEventNames(runId: "slow").contains("step.started"), Date() < limit { try await Task.sleep(for: .milliseconds(5)) }
        try #require(root.auditEventNames(runId: "slow").contains("step.started"), "slow never started")
        // Admitted while the one worker is busy: it waits in the queue, and keeps the configuration it was admitted with.
        try root.drop("queued.json", delay("queued", ms: 3000))
        // (A file written in place is taken once quiet for 100 ms of the clock.)
        #expect(await w.until(stepMs: 20) { root.auditEventNames(runId: "queued").contains("run.queued") }, "queued was never admitted")
        try #require(!root.auditEventNames(runId: "queued").contains("step.started"), "queued started before the reload")

        try root.write(
            "droprun.json",
            #"{"durability": "fast", "concurrency": 3, "pollIntervalMs": 100, "defaults": {"stepTimeoutMs": 1000}, "providers": {"exec": {"commands": {"cat": {"path": "/bin/cat"}}}}}"#
        )
        w.reload.request()
        #expect(
            await w.noticed(
                "droprun.json reloaded on SIGHUP: concurrency 1 -> 3, defaults.stepTimeoutMs 60000 -> 1000, providers.exec.commands.cat added"),
            "\(w.warnings.notices)")
        #expect(w.warnings.notices.filter { $0.contains("reloaded") }.count == 1, "the housekeeping look says nothing more: \(w.warnings.notices)")

        // A new alias is usable, and a third run goes beside `slow` and `queued` (concurrency 3) before they are done.
        try root.drop("quick.json", RequestText.make(id: "quick", steps: [catStep]))
        #expect(await w.until(stepMs: 5) { root.exists("outbox/results/quick.json") }, "quick never finished")
        #expect(root.json("outbox/results/quick.json")?["status"] == "succeeded", "\(root.read("outbox/results/quick.json") ?? "")")
        #expect(!root.exists("outbox/results/slow.json"), "quick ran before slow was done")

        // A new run times out after the new default; `slow` and `queued`, admitted before, keep the old one and succeed.
        try root.drop("late.json", delay("late", ms: 3000))
        #expect(
            await w.until {
                ["slow", "queued", "late"].allSatisfy { root.exists("outbox/results/\($0).json") }
            })
        #expect(root.json("outbox/results/slow.json")?["status"] == "succeeded", "\(root.read("outbox/results/slow.json") ?? "")")
        #expect(root.json("outbox/results/queued.json")?["status"] == "succeeded", "\(root.read("outbox/results/queued.json") ?? "")")
        let late = root.json("outbox/results/late.json")
        #expect(late?["status"] == "failed")
        #expect(late?["error"]?["code"] == "step_timeout", "\(root.read("outbox/results/late.json") ?? "")")
        try await w.stopped()
    }

    @Test func anInvalidFileIsRefusedAndTheRunnerGoesOnWithItsConfiguration() async throws {
        let root = try TemporaryRoot()
        let valid =
            #"{"durability": "fast", "pollIntervalMs": 100, "concurrency": 3, "providers": {"exec": {"commands": {"cat": {"path": "/bin/cat"}}}}}"#
        try root.write("droprun.json", valid)
        let w = try watch(root, overrides: ConfigurationOverrides(concurrency: 1))
        #expect(await w.clock.waitForSleep(ms: 100))

        // Idle looks of an unchanged file say nothing.
        for _ in 0..<5 {
            w.clock.advance(by: .milliseconds(100))
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(w.warnings.notices.isEmpty, "\(w.warnings.notices)")

        try root.write("droprun.json", #"{"durability": "fast", "pollIntervalMs": 100, "concurrency": "lots"}"#)
        #expect(await w.noticed("droprun.json refused (modified "), "\(w.warnings.notices)")
        let refused = w.warnings.notices.last ?? ""
        #expect(refused.contains("$.concurrency"), "names the key: \(refused)")
        #expect(refused.contains("keeps its configuration"), "\(refused)")
        #expect(w.warnings.noticeEvents.last == .configRefused, "a refusal is logged as config.refused")

        // The old configuration stays: its alias still works.
        try root.drop("still.json", RequestText.make(id: "still", steps: [catStep]))
        #expect(await w.until(stepMs: 5) { root.exists("outbox/results/still.json") })
        #expect(root.json("outbox/results/still.json")?["status"] == "succeeded", "\(root.read("outbox/results/still.json") ?? "")")

        // Restart-only keys are kept and named; the command line's --concurrency still wins.
        try root.write(
            "droprun.json",
            #"{"durability": "strict", "leaseSeconds": 60, "pollIntervalMs": 100, "concurrency": 8, "providers": {"exec": {"commands": {"cat": {"path": "/bin/cat"}}}}}"#
        )
        #expect(await w.noticed("reloaded (modified "), "\(w.warnings.notices)")
        let reloaded = w.warnings.notices.last ?? ""
        #expect(w.warnings.noticeEvents.last == .configReloaded, "a reload is logged as config.reloaded")
        #expect(
            reloaded.hasSuffix(
                "): no change for new runs; needs a restart: durability fast -> strict, leaseSeconds 30 -> 60; the command line wins: --concurrency 1"
            ),
            "\(reloaded)")

        // Touched with nothing changed: nothing said.
        let said = w.warnings.notices.count
        var times = [timespec(tv_sec: 1_800_000_000, tv_nsec: 0), timespec(tv_sec: 1_800_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, root.file("droprun.json"), &times, 0) == 0)
        for _ in 0..<5 {
            w.clock.advance(by: .milliseconds(100))
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(w.warnings.notices.count == said, "\(w.warnings.notices)")
        try await w.stopped()
    }

    @Test func aShorterPollIntervalTakesEffect() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast", "pollIntervalMs": 1000}"#)
        let w = try watch(root)
        #expect(await w.clock.waitForSleep(ms: 1000))
        try root.write("droprun.json", #"{"durability": "fast", "pollIntervalMs": 40}"#)
        w.reload.request()
        #expect(await w.noticed("pollIntervalMs 1000 -> 40"), "\(w.warnings.notices)")
        #expect(await w.clock.waitForSleep(ms: 40), "the ticker sleeps the new interval: \(w.clock.pendingSleeps)")
        try await w.stopped()
    }
}
