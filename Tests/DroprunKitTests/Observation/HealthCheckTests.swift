import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `HealthCheck`: every problem kind made on a real root and found, and its near misses left alone.
@Suite struct HealthCheckTests {
    /// A root served by a live runner, work moving, nothing stuck: no problem.
    @Test func aServedRootIsHealthy() throws {
        let f = try HealthFixture()
        try f.runner(progressAgo: 20)
        try f.drop("fresh.json", ago: 5)
        try f.record("busy", owner: "otherhost-1")
        try f.waiting("asks", waitedFor: 600, expiresIn: 600)
        try f.record("released-now", status: .queued, owner: nil, updatedAgo: 2)
        let report = try f.check(deep: true)
        #expect(report.problems.isEmpty, "\(report.problems.map(\.line))")
        #expect(report.isHealthy)
        #expect(report.snapshot.runners.first?.runs == 1)
        #expect(report.snapshot.running == 2)
        #expect(report.summary.hasPrefix("healthy: 1 live runner (otherhost-1, last progress 20s ago), inbox 1 (oldest 5s), 2 running, 1 waiting"))
    }

    // MARK: no_live_runner

    @Test func aRootWithoutAnyHeartbeatHasNoLiveRunner() throws {
        let f = try HealthFixture()
        let problems = try f.check().problems
        #expect(problems.map(\.kind) == [.noLiveRunner])
        #expect(problems.first?.message.contains("outbox/runners/ holds no heartbeat") == true)
    }

    @Test func aHeartbeatOlderThanTheLeaseIsNoLiveRunner() throws {
        let f = try HealthFixture()
        try f.runner("otherhost-1", renewedAgo: 31)
        let problem = try #require(try f.check().problems.first)
        #expect(problem.kind == .noLiveRunner)
        #expect(problem.runner == "otherhost-1")
        #expect(problem.ageSeconds == 31)
        // Within the lease (30 s by default) it is alive.
        try f.runner("otherhost-1", renewedAgo: 29)
        #expect(try f.codes().isEmpty)
    }

    @Test func aRootServedFromCronNeedsNoLiveRunnerWhenToldSo() throws {
        let f = try HealthFixture(#"{"durability": "fast", "health": {"requireRunner": false}}"#)
        #expect(try f.codes().isEmpty)
        #expect(try f.check().summary.hasPrefix("healthy: no live runner (health.requireRunner is false)"))
    }

    // MARK: runner_stalled

    /// Stalled: live, no progress for stallSeconds (300), work that old waiting. Each other case lacks one of them.
    @Test(arguments: [
        (progressAgo: 301.0, dropAgo: 301.0, stalled: true),
        (progressAgo: 299, dropAgo: 400, stalled: false),
        // A fresh burst into an idle runner: it has not had the time to take it.
        (progressAgo: 3_600, dropAgo: 10, stalled: false),
    ])
    func aLiveRunnerWithoutProgressWhileWorkWaitsIsStalled(progressAgo: Double, dropAgo: Double, stalled: Bool) throws {
        let f = try HealthFixture()
        try f.runner("otherhost-1", progressAgo: progressAgo)
        try f.drop("waiting.json", ago: dropAgo)
        let problems = try f.check().problems.filter { $0.kind == .runnerStalled }
        #expect(problems.count == (stalled ? 1 : 0), "\(problems.map(\.line))")
        if stalled {
            #expect(problems.first?.runner == "otherhost-1")
            #expect(problems.first?.ageSeconds == 301)
            #expect(problems.first?.message.contains("1 drop waits in inbox/") == true)
        }
    }

    /// A runner that claimed more than it runs and then stopped moving: its backlog is in its claim folder, not the inbox.
    @Test func aLiveRunnerWithoutProgressWhileItsClaimsWaitIsStalled() throws {
        let f = try HealthFixture()
        try f.runner("otherhost-1", progressAgo: 301)
        try f.write("outbox/claimed/otherhost-1/a.json", echoRequest(id: nil), ago: 301)
        try f.write("outbox/claimed/otherhost-1/b.json", echoRequest(id: nil), ago: 301)
        try f.write("outbox/claimed/otherhost-1/.hidden.json", echoRequest(id: nil), ago: 301)
        let report = try f.check()
        #expect(report.snapshot.inboxDepth == 0 && report.snapshot.oldestDropAt == nil)
        #expect(report.snapshot.claimedDepth == 2)
        let problems = report.problems.filter { $0.kind == .runnerStalled }
        #expect(problems.count == 1, "\(report.problems.map(\.line))")
        #expect(problems.first?.message.contains("2 drops wait claimed in outbox/claimed/, the oldest for 5m1s") == true)
        // Claims as fresh as the runner's progress: no stall.
        try f.runner("otherhost-1", progressAgo: 10)
        let healthy = try f.check()
        #expect(healthy.problems.isEmpty)
        #expect(healthy.summary.contains(", inbox 0, 2 claimed not started (oldest 5m1s), 0 running"), "\(healthy.summary)")
        #expect(healthy.json["claimed"] == ["depth": 2, "oldestAgeSeconds": 301])
    }

    @Test func anIdleRunnerWithAnEmptyInboxIsNotStalled() throws {
        let f = try HealthFixture()
        try f.runner(progressAgo: 86_400)
        #expect(try f.codes().isEmpty)
    }

    @Test func aHeartbeatThatSaysNoProgressIsNeverCalledStalled() throws {
        let f = try HealthFixture()
        try f.runner(progressAgo: nil)
        try f.drop("old.json", ago: 600)
        #expect(try f.codes().isEmpty)
    }

    // MARK: queue_too_old

    @Test func theOldestDropOlderThanMaxQueueAgeIsAProblem() throws {
        let f = try HealthFixture()
        try f.runner(progressAgo: 1)
        try f.drop("new.json", ago: 100)
        try f.drop("old.json", ago: 901)
        let problems = try f.check().problems
        #expect(problems.map(\.kind) == [.queueTooOld])
        #expect(problems.first?.ageSeconds == 901)
        #expect(problems.first?.file == "inbox/old.json")
        #expect(
            problems.first?.message.contains(
                "inbox/old.json, the oldest of 2 drops waiting to start in inbox/, has waited 15m1s, more than health.maxQueueAgeSeconds (15m)")
                == true)
    }

    /// A drop claimed and not started is still waiting: its claim (which keeps the drop's modification time) is named.
    @Test func aClaimedDropOlderThanMaxQueueAgeIsAProblem() throws {
        let f = try HealthFixture()
        try f.runner(progressAgo: 1)
        try f.drop("new.json", ago: 100)
        try f.write("outbox/claimed/otherhost-1/old.json~2", echoRequest(id: nil), ago: 901)
        // A record being taken over is no drop, however old.
        try f.write("outbox/claimed/otherhost-1/gone.running.json~takeover", "{}", ago: 5_000)
        let report = try f.check()
        #expect(report.snapshot.inboxDepth == 1)
        #expect(report.snapshot.claimedDepth == 1)
        #expect(report.snapshot.waitingDepth == 2)
        let problems = report.problems
        #expect(problems.map(\.kind) == [.queueTooOld], "\(problems.map(\.line))")
        #expect(problems.first?.file == "outbox/claimed/otherhost-1/old.json~2")
        #expect(problems.first?.ageSeconds == 901)
        #expect(
            problems.first?.message.contains(
                "outbox/claimed/otherhost-1/old.json~2, the oldest of 2 drops waiting to start (1 in inbox/, 1 claimed in outbox/claimed/)") == true)
    }

    @Test func maxQueueAgeComesFromTheConfiguration() throws {
        let f = try HealthFixture(#"{"durability": "fast", "health": {"maxQueueAgeSeconds": 60}}"#)
        try f.runner(progressAgo: 1)
        try f.drop("a.json", ago: 59)
        #expect(try f.codes().isEmpty)
        try f.drop("b.json", ago: 61)
        #expect(try f.codes() == ["queue_too_old"])
    }

    // MARK: approval_overdue

    /// An approval expired more than twice leaseSeconds (60 s) ago and still waiting: no runner acted on it.
    @Test func anExpiredApprovalNotYetFailedIsOverdue() throws {
        let f = try HealthFixture()
        try f.runner()
        try f.waiting("late", waitedFor: 3_600, expiresIn: -61)
        try f.waiting("just-expired", waitedFor: 3_600, expiresIn: -59)
        let report = try f.check()
        #expect(report.problems.map(\.kind) == [.approvalOverdue])
        #expect(report.problems.first?.runId == "late")
        #expect(report.problems.first?.file == "outbox/running/late.json")
        #expect(report.problems.first?.ageSeconds == 61)
        #expect(report.approvalsOverdue == 1)
    }

    @Test func anApprovalWaitingLongerThanMaxApprovalWaitIsOverdue() throws {
        let f = try HealthFixture(#"{"durability": "fast", "health": {"maxApprovalWaitSeconds": 3600}}"#)
        try f.runner()
        try f.waiting("patient", waitedFor: 3_599)
        try f.waiting("forgotten", waitedFor: 3_601)
        let problems = try f.check().problems
        #expect(problems.map(\.kind) == [.approvalOverdue])
        #expect(problems.first?.runId == "forgotten")
        #expect(problems.first?.message.contains("more than health.maxApprovalWaitSeconds (1h)") == true)
        // Without the setting, a wait without expiry may last.
        let unlimited = try HealthFixture()
        try unlimited.runner()
        try unlimited.waiting("forgotten", waitedFor: 86_400 * 30)
        #expect(try unlimited.codes().isEmpty)
    }

    // MARK: run_not_taken_over

    /// A running run of a runner whose lease ran out more than twice leaseSeconds ago.
    @Test func aRunOfADeadRunnerNotTakenOverIsAProblem() throws {
        let f = try HealthFixture()
        try f.runner("otherhost-1")
        // Renewed 100 s ago: its lease ran out 70 s ago, more than 60.
        try f.runner("deadhost-7", renewedAgo: 100)
        try f.record("stuck", owner: "deadhost-7", updatedAgo: 500)
        // Renewed 80 s ago: its lease ran out 50 s ago; the live runner may still take it over.
        try f.runner("deadhost-8", renewedAgo: 80)
        try f.record("recent", owner: "deadhost-8", updatedAgo: 500)
        try f.record("served", owner: "otherhost-1", updatedAgo: 500)
        let problems = try f.check().problems
        #expect(problems.map(\.kind) == [.runNotTakenOver], "\(problems.map(\.line))")
        #expect(problems.first?.runId == "stuck")
        #expect(problems.first?.runner == "deadhost-7")
        #expect(problems.first?.ageSeconds == 70)
    }

    @Test func aReleasedRunNobodyTookUpIsAProblem() throws {
        let f = try HealthFixture()
        try f.runner()
        try f.record("released", status: .queued, owner: nil, updatedAgo: 61)
        try f.record("just-released", status: .queued, owner: nil, updatedAgo: 59)
        let problems = try f.check().problems
        #expect(problems.map(\.runId) == ["released"])
        #expect(problems.first?.kind == .runNotTakenOver)
        #expect(problems.first?.message.contains("was released by its runner") == true)
    }

    @Test func claimsOfADeadRunnerLeftInItsFolderAreAProblem() throws {
        let f = try HealthFixture()
        try f.runner()
        try f.write("outbox/claimed/deadhost-7/x.json", echoRequest(id: nil), ago: 200)
        try PosixFileSystem().setModified(f.root.file("outbox/claimed/deadhost-7"), to: f.now.addingTimeInterval(-61))
        // An empty claim folder (a runner that stopped cleanly leaves one) holds nothing.
        try FileManager.default.createDirectory(atPath: f.root.file("outbox/claimed/deadhost-9"), withIntermediateDirectories: true)
        let problems = try f.check().problems
        #expect(problems.map(\.kind) == [.runNotTakenOver], "\(problems.map(\.line))")
        #expect(problems.first?.file == "outbox/claimed/deadhost-7/")
        #expect(problems.first?.runner == "deadhost-7")
        #expect(problems.first?.message.contains("still holds 1 claimed drop in outbox/claimed/deadhost-7/ (x.json)") == true)
    }

    @Test func aDeadRunnersCheckpointLogNotRecoveredIsAProblem() throws {
        let f = try HealthFixture()
        try f.runner()
        let line = { (runId: String) in #"{"claim": "\#(runId).json", "record": {"runId": "\#(runId)", "status": "running"}}"# }
        try f.write("outbox/checkpoints/deadhost-7/00000001.log", line("only-logged") + "\n" + line("recorded") + "\n", ago: 61)
        // A run of the log with a live record is judged by its record (here held by a live runner): not again here.
        try f.record("recorded", owner: "otherhost-1", updatedAgo: 1)
        // An empty log left behind holds nothing.
        try f.write("outbox/checkpoints/deadhost-8/00000001.log", "", ago: 600)
        let problems = try f.check().problems
        #expect(problems.map(\.kind) == [.runNotTakenOver], "\(problems.map(\.line))")
        #expect(problems.first?.file == "outbox/checkpoints/deadhost-7/")
        #expect(problems.first?.runId == "only-logged")
        #expect(
            problems.first?.message.contains("1 run whose newest state is in its checkpoint log outbox/checkpoints/deadhost-7/ (only-logged)") == true
        )
    }

    // MARK: unreadable_record, unreadable_request, unreadable_checkpoint_log

    @Test func aLiveRecordThatCannotBeReadIsAProblem() throws {
        let f = try HealthFixture()
        try f.runner()
        try f.write("outbox/running/torn.json", #"{"runId": "torn", "sta"#, ago: 1)
        try f.write("outbox/running/odd.json", #"{"runId": "odd"}"#, ago: 1)
        let problems = try f.check().problems
        #expect(problems.map(\.kind) == [.unreadableRecord, .unreadableRecord])
        #expect(Set(problems.compactMap(\.file)) == ["outbox/running/torn.json", "outbox/running/odd.json"])
        #expect(Set(problems.compactMap(\.runId)) == ["torn", "odd"])
    }

    @Test func aLiveRunWhoseKeptRequestIsMissingOrChangedIsAProblem() throws {
        let f = try HealthFixture()
        try f.runner()
        try f.record("lost", owner: "otherhost-1", keepRequest: false)
        try f.record("edited", owner: "otherhost-1")
        try f.root.write("outbox/requests/edited.json", echoRequest(id: "edited", value: "changed"))
        try f.record("fine", owner: "otherhost-1")
        let problems = try f.check().problems
        #expect(problems.map(\.kind) == [.unreadableRequest, .unreadableRequest])
        #expect(problems.map(\.runId) == ["edited", "lost"])
        #expect(problems[0].message.contains("was changed after admission"))
        #expect(problems[1].message.contains("outbox/requests/lost.json, is missing"))
    }

    @Test func aCheckpointLogWithADamagedLineIsAProblem() throws {
        let f = try HealthFixture()
        try f.runner("otherhost-1")
        try f.write(
            "outbox/checkpoints/otherhost-1/00000001.log", #"{"claim": null, "record": {"runId": "a", "status": "running"}}"# + "\nnot json\n", ago: 1
        )
        let problems = try f.check().problems
        #expect(problems.map(\.kind) == [.unreadableCheckpointLog], "\(problems.map(\.line))")
        #expect(problems.first?.file == "outbox/checkpoints/otherhost-1/00000001.log line 2")
        #expect(problems.first?.runner == "otherhost-1")
    }

    @Test func aCheckpointLogSegmentThatCannotBeReadIsAProblem() throws {
        let f = try HealthFixture()
        try f.runner("otherhost-1")
        // A folder where a segment should be: it cannot be read as a file.
        try FileManager.default.createDirectory(atPath: f.root.file("outbox/checkpoints/otherhost-1/00000001.log"), withIntermediateDirectories: true)
        let problems = try f.check().problems
        #expect(problems.map(\.kind) == [.unreadableCheckpointLog], "\(problems.map(\.line))")
        #expect(problems.first?.message.contains("cannot be read whole") == true)
    }

    // MARK: audit_broken

    @Test func aBrokenAuditChainIsFoundOnlyWhenDeep() async throws {
        let f = try HealthFixture()
        try f.root.drop("a.json", echoRequest(id: "a"))
        #expect(await f.cli(["run", "--once"]).code == .success)
        try f.runner()
        #expect(try f.codes(deep: true).isEmpty)
        let file = try #require(f.root.list("outbox/audit").first { $0.hasSuffix(".jsonl") })
        let text = try #require(f.root.read("outbox/audit/" + file))
        try f.root.write("outbox/audit/" + file, text.replacingOccurrences(of: #""runId":"a""#, with: #""runId":"b""#))
        #expect(try f.codes().isEmpty)
        let problems = try f.check(deep: true).problems
        #expect(problems.map(\.kind) == [.auditBroken], "\(problems.map(\.line))")
        #expect(problems.first?.file == "outbox/audit/" + file)
    }

    // MARK: Words

    @Test(arguments: [
        (0.0, "0s"), (59.9, "59s"), (61, "1m1s"), (600, "10m"), (901, "15m1s"), (3_600, "1h"), (3_660, "1h1m"), (90_000, "1d1h"), (-5, "0s"),
    ])
    func agesReadAsPeopleSayThem(seconds: Double, text: String) {
        #expect(HealthCheck.age(seconds) == text)
    }

    @Test func everyKindHasAStableCodeAndAdvice() {
        #expect(
            HealthProblem.Kind.allCases.map(\.rawValue) == [
                "no_live_runner", "runner_stalled", "queue_too_old", "approval_overdue", "run_not_taken_over", "unreadable_record",
                "unreadable_request", "unreadable_checkpoint_log", "audit_broken", "configuration_invalid",
            ])
        #expect(HealthProblem.Kind.allCases.allSatisfy { !$0.advice.isEmpty })
    }
}
