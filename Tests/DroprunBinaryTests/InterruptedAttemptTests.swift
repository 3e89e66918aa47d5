import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// Runners killed in the middle of an attempt, with the built binary (and, for `exec`, real processes).
@Suite(.serialized) struct InterruptedAttemptTests {
    /// The command: appends `start PID GROUP ATTEMPT KEY leftover=PIDS` (the earlier attempts' processes it still sees
    /// running) and `end PID`, starts a grandchild in its group (`sleep`) and waits for it: 20 s (long enough to outlast a slow takeover on a loaded machine), 0.2 s after the first attempt.
    static let script = """
        #!/usr/bin/env python3
        import json, os, subprocess, sys
        log = sys.argv[1]

        def running_in_group(group):
            found = []
            for name in os.listdir("/proc"):
                if not name.isdigit() or int(name) == os.getpid():
                    continue
                try:
                    stat = open("/proc/%s/stat" % name).read()
                except OSError:
                    continue
                fields = stat[stat.rindex(")") + 2:].split()
                if int(fields[2]) == group and fields[0] != "Z":
                    found.append(name)
            return found

        earlier = []
        if os.path.exists(log):
            for line in open(log):
                words = line.split()
                if words and words[0] == "start":
                    earlier += running_in_group(int(words[2]))
        attempt = os.environ.get("DROPRUN_ATTEMPT", "?")
        grandchild = subprocess.Popen(["sleep", "0.2" if attempt.isdigit() and int(attempt) > 1 else "20"])
        with open(log, "a") as f:
            f.write("start %d %d %s %s %s leftover=%s grandchild=%d\\n" % (os.getpid(), os.getpgrp(), attempt,
                    os.environ.get("DROPRUN_IDEMPOTENCY_KEY", "-"), os.environ.get("DROPRUN_RUN_ID", "-"),
                    ",".join(earlier) or "-", grandchild.pid))
        grandchild.wait()
        with open(log, "a") as f:
            f.write("end %d\\n" % os.getpid())
        print(json.dumps({"attempt": attempt}))
        """

    /// The lines of the command's log, split into words.
    func lines(_ root: TemporaryRoot) -> [[String]] {
        (root.read("commands.log") ?? "").split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    /// True while `pid` runs (a zombie has ended).
    func isRunning(_ pid: Int32) -> Bool {
        guard let entry = ProcessTable.entry(pid) else { return false }
        return entry.state != "Z"
    }

    /// A root whose `slow` exec alias runs `script` (`pollIntervalMs` 50, a 30 s limit).
    static func rootWithTheSlowCommand(durability: String) throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        try root.write("bin/slow.py", script)
        chmod(root.file("bin/slow.py"), 0o755)
        try root.write(
            "droprun.json",
            """
            {"durability": "\(durability)", "pollIntervalMs": 50,
             "providers": {"exec": {"commands": {"slow": {"path": "\(root.file("bin/slow.py"))", "timeoutMs": 30000}}}}}
            """)
        return root
    }

    @Test(.enabled(if: ProcessTable.entry(getpid()) != nil, "reads /proc"), arguments: ["fast", "strict"])
    func aKilledRunnersCommandIsEndedBeforeTheStepRunsAgain(durability: String) async throws {
        var generator = SeededRandom.forTest("aKilledRunnersCommandIsEndedBeforeTheStepRunsAgain(\(durability))")
        let root = try Self.rootWithTheSlowCommand(durability: durability)
        try root.drop(
            "job.json",
            RequestText.make(
                id: "job",
                steps: [
                    #"{"id": "greet", "provider": "template", "with": {"template": "hi"}}"#,
                    #"{"id": "slow", "provider": "exec", "with": {"command": "slow", "args": ["\#(root.file("commands.log"))"]}}"#,
                ]))
        let runner = try BuiltBinary.start(["watch"], root: root.path)
        let deadline = Date().addingTimeInterval(20)
        while lines(root).isEmpty, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let first = try #require(lines(root).first, "the command never started")
        try await Task.sleep(for: .milliseconds(Int.random(in: 300...1000, using: &generator)))

        // Written before the command started: the attempt and who its child is.
        let live = try #require(root.json("outbox/running/job.json"))
        let step = try #require(live["steps"]?[1])
        #expect(step["status"] == "running")
        #expect(step["attempts"] == 1)
        #expect(step["process"]?["pid"]?.intValue == Int(first[1]))
        #expect(step["process"]?["group"]?.intValue == Int(first[2]))
        #expect(step["process"]?["startTime"]?.intValue != nil)

        kill(runner.processIdentifier, SIGKILL)
        // The command dies with its runner; the grandchild it started in its group lives on until a runner ends it.
        let child = try #require(Int32(first[1]))
        let grandchild = try #require(first.last.flatMap { Int32($0.dropFirst("grandchild=".count)) })
        let gone = Date().addingTimeInterval(2)
        while isRunning(child), Date() < gone { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!isRunning(child), "the command outlived its runner")
        #expect(isRunning(grandchild))
        // Reaped before the next runner looks (a zombie's process id still answers `kill(pid, 0)`, so it would count as alive).
        _ = try? await blockingWork { try runner.wait(timeout: 10) }

        let next = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 60) }
        #expect(next.code == 0, "\(next.stdout)\(next.stderr)")
        #expect(!isRunning(grandchild))

        let log = lines(root)
        let starts = log.filter { $0.first == "start" }
        try #require(starts.count == 2, "\(log)")
        #expect(starts[1][6] == "leftover=-", "the second attempt started while the first one's processes ran: \(starts[1][6])")
        #expect(starts.map { $0[3] } == ["1", "2"])
        #expect(starts.map { $0[4] } == ["job/slow", "job/slow"], "the idempotency key is the same for every attempt")
        #expect(log.filter { $0.first == "end" }.count == 1)

        let result = try #require(root.json("outbox/results/job.json"))
        #expect(result["status"] == "succeeded")
        #expect(result["steps"]?[1]?["attempts"] == 2)
        #expect(result["steps"]?[1]?["process"] == nil)
        #expect(result["steps"]?[0]?["attempts"] == 1)
        let recovered = try #require(root.auditEvents().first { $0["event"] == "run.recovered" && $0["runId"] == "job" })
        #expect(recovered["data"]?["interruptedSteps"] == ["slow"])
        let leftover = try #require(recovered["data"]?["leftoverProcesses"]?[0])
        #expect(leftover["step"] == "slow")
        #expect(leftover["pid"]?.intValue == Int(child))
        #expect(leftover["outcome"] == "terminated")
    }
}

extension InterruptedAttemptTests {
    /// A `delay` step cut short by `kill -9` is named in `run.recovered`, and its attempt counts.
    @Test func aKilledRunnersWaitingStepIsNamedAndCounted() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop(
            "nap.json",
            RequestText.make(
                id: "nap",
                steps: [
                    #"{"id": "first", "provider": "echo", "with": {"x": 1}}"#,
                    #"{"id": "nap", "provider": "delay", "with": {"ms": 3000}}"#,
                ]))
        let runner = try BuiltBinary.start(["watch"], root: root.path)
        let deadline = Date().addingTimeInterval(20)
        while !root.auditEventNames(runId: "nap").contains("step.started")
            || root.auditEventNames(runId: "nap").filter({ $0 == "step.started" }).count < 2,
            Date() < deadline
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(root.auditEventNames(runId: "nap").filter({ $0 == "step.started" }).count >= 2, "the waiting step never started")
        try await Task.sleep(for: .milliseconds(300))
        kill(runner.processIdentifier, SIGKILL)
        _ = try? await blockingWork { try runner.wait(timeout: 10) }
        try #require(!root.exists("outbox/results/nap.json"), "the run finished before it could be killed")

        let next = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 60) }
        #expect(next.code == 0, "\(next.stdout)\(next.stderr)")
        let result = try #require(root.json("outbox/results/nap.json"))
        #expect(result["status"] == "succeeded")
        #expect(result["steps"]?[0]?["attempts"] == 1)
        #expect(result["steps"]?[1]?["attempts"] == 2)
        let recovered = root.auditEvents().first { $0["event"] == "run.recovered" && $0["runId"] == "nap" }
        #expect(recovered?["data"]?["interruptedSteps"] == ["nap"])
        #expect(recovered?["data"]?["leftoverProcesses"] == nil)
    }
}

extension InterruptedAttemptTests {
    /// Once an attempt's command ended, the live record stops naming it before the retry's backoff begins.
    ///
    /// Before, the record kept the ended child's `process` through the wait, so a runner taking over then would
    /// have signalled whatever had its process id by then, on the strength of the start time alone.
    @Test(.enabled(if: ProcessTable.entry(getpid()) != nil, "reads /proc"))
    func anEndedCommandIsNoLongerNamedDuringTheBackoff() async throws {
        let root = try TemporaryRoot()
        try root.write(
            "droprun.json",
            """
            {"durability": "fast", "providers": {"exec": {"commands": {
              "flaky": {"path": "/bin/sh", "timeoutMs": 30000, "retryableExitCodes": [3]}}}}}
            """)
        try root.drop(
            "flaky.json",
            RequestText.make(
                id: "flaky",
                steps: [
                    #"{"id": "s", "provider": "exec", "with": {"command": "flaky", "args": ["-c", "echo x >> \#(root.file("tries")); exit 3"]}, "retry": {"maxAttempts": 2, "backoffMs": 4000}}"#
                ]))
        let runner = try BuiltBinary.start(["run", "--once"], root: root.path)
        let deadline = Date().addingTimeInterval(20)
        while !root.auditEventNames(runId: "flaky").contains("step.retry"), Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(root.auditEventNames(runId: "flaky").contains("step.retry"), "the first attempt never failed into its backoff")
        try await Task.sleep(for: .milliseconds(500))
        let live = try #require(root.json("outbox/running/flaky.json"), "no live record during the backoff")
        #expect(live["steps"]?[0]?["attempts"] == 1)
        #expect(live["steps"]?[0]?["process"] == nil, "the ended command is still named: \(live["steps"]?[0]?["process"] ?? .null)")
        kill(runner.processIdentifier, SIGKILL)
        _ = try? await blockingWork { try runner.wait(timeout: 10) }
    }

    /// A leftover command that cannot be told to be the dead runner's (its record has no start time) is left alone,
    /// and the step is not started beside it: the run fails with `leftover_running`, naming the process.
    @Test(.enabled(if: ProcessTable.entry(getpid()) != nil, "reads /proc"))
    func aLeftoverThatCannotBeEndedKeepsTheStepFromRunningAgain() async throws {
        let root = try Self.rootWithTheSlowCommand(durability: "fast")
        try root.drop(
            "job.json",
            RequestText.make(
                id: "job",
                steps: [
                    #"{"id": "slow", "provider": "exec", "with": {"command": "slow", "args": ["\#(root.file("commands.log"))"]}}"#
                ]))
        let runner = try BuiltBinary.start(["watch"], root: root.path)
        let deadline = Date().addingTimeInterval(20)
        while lines(root).isEmpty, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let first = try #require(lines(root).first, "the command never started")
        kill(runner.processIdentifier, SIGKILL)
        _ = try? await blockingWork { try runner.wait(timeout: 10) }
        let grandchild = try #require(first.last.flatMap { Int32($0.dropFirst("grandchild=".count)) })
        defer { kill(grandchild, SIGKILL) }
        #expect(isRunning(grandchild))

        // The record (and the dead runner's checkpoint log) lose the start time that proves whose the group is.
        var edited = 0
        let pattern = try NSRegularExpression(pattern: #",\s*"startTime":\s*[0-9]+"#)
        for case let relative as String in FileManager.default.enumerator(atPath: root.file("outbox"))?.allObjects ?? [] {
            let path = "outbox/" + relative
            guard let text = root.read(path), text.contains("startTime") else { continue }
            let range = NSRange(text.startIndex..., in: text)
            try root.write(path, pattern.stringByReplacingMatches(in: text, range: range, withTemplate: ""))
            edited += 1
        }
        try #require(edited > 0, "no record names the child")

        let next = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 60) }
        #expect(isRunning(grandchild), "a process that could not be checked was signalled")
        let recovered = root.auditEvents().first { $0["event"] == "run.recovered" }
        #expect(
            lines(root).filter { $0.first == "start" }.count == 1,
            "the step ran again beside the leftover: \(recovered.map(JSONWriter.compact) ?? "no run.recovered")")
        let result = try #require(root.json("outbox/results/job.json"), "\(next.stdout)\(next.stderr)")
        #expect(result["status"] == "failed")
        #expect(result["error"]?["code"] == "leftover_running")
        #expect(result["error"]?["message"]?.stringValue?.contains("process group \(first[2])") == true)
        #expect(result["steps"]?[0]?["process"]?["pid"]?.intValue == Int(first[1]))
        #expect(next.stderr.contains("could not be ended"), "\(next.stderr)")
    }
}

extension InterruptedAttemptTests {
    /// A runner that finds it lost its lease (another runner buried it and may run the step again) ends its command
    /// at once, not when the command is done.
    @Test(.enabled(if: ProcessTable.entry(getpid()) != nil, "reads /proc"), arguments: ["watch", "run"])
    func aRunnerThatLostItsLeaseEndsItsCommandAtOnce(mode: String) async throws {
        let root = try TemporaryRoot()
        try root.write(
            "droprun.json",
            """
            {"durability": "fast", "pollIntervalMs": 50, "providers": {"exec": {"commands": {
              "long": {"path": "/bin/sleep", "timeoutMs": 60000}}}}}
            """)
        try root.drop(
            "long.json",
            RequestText.make(
                id: "long",
                steps: [
                    #"{"id": "s", "provider": "exec", "with": {"command": "long", "args": ["30"]}}"#
                ]))
        let runner = try BuiltBinary.start(mode == "watch" ? ["watch"] : ["run", "--once"], root: root.path)
        defer { kill(runner.processIdentifier, SIGKILL) }
        var child: Int32?
        let deadline = Date().addingTimeInterval(20)
        while child == nil, Date() < deadline {
            child = root.json("outbox/running/long.json")?["steps"]?[0]?["process"]?["pid"]?.intValue.flatMap { Int32(exactly: $0) }
            if child == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let pid = try #require(child, "the command never started")
        try await Task.sleep(for: .milliseconds(300))
        #expect(isRunning(pid))
        // What a runner taking it over does: its heartbeat is removed.
        for name in root.list("outbox/runners") { try? PosixFileSystem().remove(root.file("outbox/runners/" + name)) }
        let lost = Date()
        while isRunning(pid), Date().timeIntervalSince(lost) < 10 { try await Task.sleep(for: .milliseconds(20)) }
        let seconds = Date().timeIntervalSince(lost)
        #expect(!isRunning(pid), "the command ran on after its runner lost its lease")
        #expect(seconds < 5, "the command ended \(seconds) s after the lease was lost")
        #expect(!root.exists("outbox/results/long.json"), "a runner that lost its lease wrote the run's result")
    }
}

extension InterruptedAttemptTests {
    /// Two commands of a graph run at the same time: each is named in the record before it runs, and after `kill -9`
    /// the next runner ends both groups before either step runs again (the run's other step does not run again).
    @Test(.enabled(if: ProcessTable.entry(getpid()) != nil, "reads /proc"))
    func theCommandsOfParallelStepsAreBothEndedBeforeTheyRunAgain() async throws {
        let root = try Self.rootWithTheSlowCommand(durability: "strict")
        let logs = ["a", "b"].map { root.file("commands-\($0).log") }
        try root.drop(
            "pair.json",
            RequestText.make(
                id: "pair",
                steps: [
                    #"{"id": "greet", "provider": "template", "with": {"template": "hi"}}"#,
                    #"{"id": "a", "provider": "exec", "needs": ["greet"], "with": {"command": "slow", "args": ["\#(logs[0])"]}}"#,
                    #"{"id": "b", "provider": "exec", "needs": ["greet"], "with": {"command": "slow", "args": ["\#(logs[1])"]}}"#,
                ]))
        func starts(_ log: String) -> [[String]] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
                .filter { $0.first == "start" }
        }
        let runner = try BuiltBinary.start(["watch"], root: root.path)
        let deadline = Date().addingTimeInterval(20)
        while logs.contains(where: { starts($0).isEmpty }), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let first = try logs.map { try #require(starts($0).first, "a command never started") }
        let live = try #require(root.json("outbox/running/pair.json"))
        for (index, start) in first.enumerated() {
            let step = try #require(live["steps"]?[index + 1])
            #expect(step["status"] == "running")
            #expect(step["process"]?["pid"]?.intValue == Int(start[1]), "both commands are in the record while they run: \(live)")
        }
        kill(runner.processIdentifier, SIGKILL)
        _ = try? await blockingWork { try runner.wait(timeout: 10) }
        let grandchildren = try first.map { try #require($0.last.flatMap { Int32($0.dropFirst("grandchild=".count)) }) }
        #expect(grandchildren.allSatisfy(isRunning), "each command's group lives on after its runner")

        let next = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 60) }
        #expect(next.code == 0, "\(next.stdout)\(next.stderr)")
        #expect(!grandchildren.contains(where: isRunning))
        for log in logs {
            let all = starts(log)
            try #require(all.count == 2, "\(all)")
            #expect(all[1][6] == "leftover=-", "a second attempt started beside the first one's processes: \(all[1])")
        }
        let result = try #require(root.json("outbox/results/pair.json"))
        #expect(result["status"] == "succeeded")
        #expect(result["steps"]?[0]?["attempts"] == 1, "the step that ended did not run again")
        let recovered = try #require(root.auditEvents().first { $0["event"] == "run.recovered" && $0["runId"] == "pair" })
        #expect(recovered["data"]?["leftoverProcesses"]?.arrayValue?.count == 2)
    }
}
