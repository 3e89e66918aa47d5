import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `exec` with small real scripts.
@Suite struct ExecProviderTests {
    /// Writes an executable script under the root and returns its path.
    func script(_ root: TemporaryRoot, _ name: String, _ body: String) throws -> String {
        try root.write("bin/" + name, body)
        let path = root.file("bin/" + name)
        chmod(path, 0o755)
        return path
    }

    func configuration(_ commands: [String: ExecCommandSettings]) -> Configuration {
        var c = Configuration.fastForTests
        c.execCommands = commands
        return c
    }

    func run(
        _ root: TemporaryRoot, _ configuration: Configuration, environment: [String: String] = ["PATH": "/usr/bin:/bin"],
        clock: any RunnerClock = SystemClock()
    ) async throws -> RunOnceSummary {
        var engine = root.engine(clock: clock, configuration: configuration)
        engine.environment = environment
        defer { engine.audit.close() }
        return try await Runner(context: engine).runOnce()
    }

    func step(_ with: String, retry: String = "") -> String {
        #"{"id": "x", "provider": "exec", "with": \#(with)\#(retry.isEmpty ? "" : ", \"retry\": " + retry)}"#
    }

    @Test func jsonInJsonOut() async throws {
        let root = try TemporaryRoot()
        let path = try script(root, "echo.sh", "#!/bin/sh\ncat\n")
        try root.drop(
            "r.json", RequestText.make(id: "r", steps: [step(#"{"command": "echo", "input": {"n": 1, "s": "{{input.s}}"}}"#)], input: #"{"s": "hi"}"#)
        )
        _ = try await run(root, configuration(["echo": ExecCommandSettings(path: path)]))
        let result = try #require(root.json("outbox/results/r.json"))
        #expect(result["status"] == "succeeded")
        #expect(result["output"] == ["n": 1, "s": "hi"])
    }

    @Test func argumentsArePassedLiterallyNeverThroughAShell() async throws {
        let root = try TemporaryRoot()
        let path = try script(
            root, "args.py",
            """
            #!/usr/bin/env python3
            import json, sys
            print(json.dumps({"args": sys.argv[1:]}))
            """)
        let tricky = #"; rm -rf / && echo $(whoami) `id` | cat > x \" ' *"#
        let args: JSONValue = .array([.string(tricky), "two words", "$HOME"])
        try root.drop("a.json", RequestText.make(id: "a", steps: [step(#"{"command": "args", "args": \#(JSONWriter.compact(args))}"#)]))
        _ = try await run(root, configuration(["args": ExecCommandSettings(path: path)]))
        let result = try #require(root.json("outbox/results/a.json"))
        #expect(result["output"]?["args"] == args, "\(String(describing: result["error"]))")
        #expect(!root.exists("x"))
    }

    /// An alias's `workingDirectory` is where its command runs (looking up the spawn action crashed the runner on Linux).
    @Test func aCommandRunsInItsAliassWorkingDirectory() async throws {
        let root = try TemporaryRoot()
        let folder = root.file("work")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = try script(root, "where.sh", "#!/bin/sh\nprintf '{\"pwd\": \"%s\"}' \"$(pwd -P)\"\n")
        var settings = ExecCommandSettings(path: path)
        settings.workingDirectory = folder
        try root.drop("w.json", RequestText.make(id: "w", steps: [step(#"{"command": "where"}"#)]))
        _ = try await run(root, configuration(["where": settings]))
        let result = try #require(root.json("outbox/results/w.json"))
        #expect(result["output"]?["pwd"]?.stringValue == URL(fileURLWithPath: folder).resolvingSymlinksInPath().path, "\(result)")
    }

    @Test func badJSONOutputNamesTheStepAndShowsTheStart() async throws {
        let root = try TemporaryRoot()
        let path = try script(root, "bad.sh", "#!/bin/sh\necho 'this is not json at all'\n")
        try root.drop("b.json", RequestText.make(id: "b", steps: [step(#"{"command": "bad"}"#)]))
        _ = try await run(root, configuration(["bad": ExecCommandSettings(path: path)]))
        let error = try #require(root.json("outbox/results/b.json")?["error"])
        #expect(error["code"] == "exec_bad_output")
        #expect(error["message"]?.stringValue?.contains("step 'x'") == true)
        #expect(error["message"]?.stringValue?.contains("this is not json") == true)
        #expect(error["message"]?.stringValue?.contains("reads the command's standard output as one JSON value") == true)
        #expect(error["message"]?.stringValue?.contains("write logs and progress to standard error") == true)
    }

    @Test func nonZeroExitsAreRetriedOnlyWhenMarkedRetryable() async throws {
        let root = try TemporaryRoot()
        let path = try script(root, "exit.sh", "#!/bin/sh\necho 'temporary trouble' >&2\nexit \"$1\"\n")
        var settings = ExecCommandSettings(path: path)
        settings.retryableExitCodes = [75]
        try root.drop(
            "t.json", RequestText.make(id: "t", steps: [step(#"{"command": "exit", "args": ["75"]}"#, retry: #"{"maxAttempts": 3, "backoffMs": 1}"#)])
        )
        try root.drop(
            "p.json", RequestText.make(id: "p", steps: [step(#"{"command": "exit", "args": ["3"]}"#, retry: #"{"maxAttempts": 3, "backoffMs": 1}"#)]))
        _ = try await run(root, configuration(["exit": settings]))
        let retried = try #require(root.json("outbox/results/t.json"))
        #expect(retried["error"]?["code"] == "exec_exit")
        #expect(retried["error"]?["retryable"] == true)
        #expect(retried["steps"]?.arrayValue?.first?["attempts"] == 3)
        #expect(retried["steps"]?.arrayValue?.first?["stderr"] == "temporary trouble\n")
        let permanent = try #require(root.json("outbox/results/p.json"))
        #expect(permanent["error"]?["retryable"] == false)
        #expect(permanent["steps"]?.arrayValue?.first?["attempts"] == 1)
        #expect(permanent["error"]?["message"]?.stringValue?.contains("status 3") == true)
    }

    @Test func aChildThatRunsTooLongIsStopped() async throws {
        let root = try TemporaryRoot()
        let pidFile = root.file("child.pid")
        let path = try script(root, "slow.sh", "#!/bin/sh\necho $$ > '\(pidFile)'\nexec sleep 120\n")
        var settings = ExecCommandSettings(path: path)
        settings.timeoutMs = 300
        try root.drop("s.json", RequestText.make(id: "s", steps: [step(#"{"command": "slow"}"#)]))
        let started = Date()
        _ = try await run(root, configuration(["slow": settings]))
        // Far from both ends: a loaded machine (the whole suite in parallel) can take seconds to start a shell.
        #expect(Date().timeIntervalSince(started) < 60, "the child sleeps 120 s unless it is stopped")
        let result = try #require(root.json("outbox/results/s.json"))
        #expect(result["error"]?["code"] == "step_timeout")
        let pid = try #require(Int32((root.read("child.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) != 0, "the child was killed")
    }

    @Test func aChildIgnoringSIGTERMIsKilledAfterTheGrace() async throws {
        let root = try TemporaryRoot()
        let pidFile = root.file("stubborn.pid")
        let path = try script(root, "stubborn.sh", "#!/bin/sh\ntrap '' TERM\necho $$ > '\(pidFile)'\nwhile true; do sleep 0.1; done\n")
        var settings = ExecCommandSettings(path: path)
        settings.timeoutMs = 300
        var registry = ProviderRegistry.builtIn
        registry.register(ExecProvider(graceMs: 300))
        try root.drop("g.json", RequestText.make(id: "g", steps: [step(#"{"command": "stubborn"}"#)]))
        var engine = root.engine(clock: SystemClock(), configuration: configuration(["stubborn": settings]), registry: registry)
        engine.environment = ["PATH": "/usr/bin:/bin"]
        _ = try await Runner(context: engine).runOnce()
        #expect(root.json("outbox/results/g.json")?["error"]?["code"] == "step_timeout")
        let pid = try #require(Int32((root.read("stubborn.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) != 0, "the child was killed")
    }

    @Test func cancellingARunStopsItsChild() async throws {
        let root = try TemporaryRoot()
        let pidFile = root.file("c.pid")
        let path = try script(root, "long.sh", "#!/bin/sh\necho $$ > '\(pidFile)'\nexec sleep 120\n")
        try root.drop("c.json", RequestText.make(id: "c", steps: [step(#"{"command": "long"}"#)]))
        let task = Task { try await run(root, configuration(["long": ExecCommandSettings(path: path)])) }
        let deadline = Date().addingTimeInterval(60)
        // The shell creates the file before it writes the pid into it: wait for the pid, not the file.
        while Int32((root.read("c.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let started = Date()
        try root.write("outbox/cancels/c.json", #"{"runId": "c"}"#)
        _ = try await task.value
        #expect(Date().timeIntervalSince(started) < 60, "the child sleeps 120 s unless it is stopped")
        #expect(root.json("outbox/results/c.json")?["status"] == "cancelled")
        let pid = try #require(Int32((root.read("c.pid") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) != 0)
    }

    @Test func theChildGetsOnlyTheAllowedEnvironment() async throws {
        let root = try TemporaryRoot()
        let path = try script(
            root, "env.py",
            """
            #!/usr/bin/env python3
            import json, os
            print(json.dumps(dict(os.environ)))
            """)
        var settings = ExecCommandSettings(path: path)
        settings.env = ["ALLOWED_TOKEN"]
        try root.drop("e.json", RequestText.make(id: "e", steps: [step(#"{"command": "env"}"#)]))
        _ = try await run(
            root, configuration(["env": settings]),
            environment: [
                "PATH": "/usr/bin:/bin", "HOME": "/home/x", "ALLOWED_TOKEN": "given", "AWS_SECRET_ACCESS_KEY": "runner-secret-123", "LANG": "C",
            ])
        let output = try #require(root.json("outbox/results/e.json")?["output"]?.objectValue)
        #expect(output["ALLOWED_TOKEN"] == "given")
        #expect(output["AWS_SECRET_ACCESS_KEY"] == nil)
        let attempt = ["DROPRUN_RUN_ID", "DROPRUN_STEP_ID", "DROPRUN_ATTEMPT", "DROPRUN_IDEMPOTENCY_KEY"]
        #expect(
            Set(output.keys).isSubset(of: ["PATH", "HOME", "LANG", "TZ", "ALLOWED_TOKEN", "PWD", "SHLVL", "_", "LC_CTYPE"] + attempt),
            "\(output.keys.sorted())")
        #expect(output["DROPRUN_RUN_ID"] == "e")
        #expect(output["DROPRUN_STEP_ID"] == "x")
        #expect(output["DROPRUN_ATTEMPT"] == "1")
        #expect(output["DROPRUN_IDEMPOTENCY_KEY"] == "e/x")
    }

    @Test func anAliasThatIsNotConfiguredNeverRuns() async throws {
        let root = try TemporaryRoot()
        try root.drop("u.json", RequestText.make(id: "u", steps: [step(#"{"command": "/bin/sh", "args": ["-c", "touch pwned"]}"#)]))
        try root.drop("v.json", RequestText.make(id: "v", steps: [step(#"{"command": "wc"}"#)]))
        _ = try await run(root, configuration(["ls": ExecCommandSettings(path: "/bin/ls")]))
        let error = try #require(root.json("outbox/rejected/u.json.error.json"))
        #expect(error["reason"] == "invalid_request")
        #expect(error["errors"]?.arrayValue?.first?["path"] == "$.workflow.steps[0].with.command")
        #expect(
            root.json("outbox/rejected/v.json.error.json")?["errors"]?.arrayValue?.first?["message"]?.stringValue?.contains("allowed: ls") == true)
        #expect(!root.exists("pwned"))
        // With no command configured at all, exec is disabled.
        let bare = try TemporaryRoot()
        try bare.drop("w.json", RequestText.make(id: "w", steps: [step(#"{"command": "ls"}"#)]))
        _ = try await run(bare, .fastForTests)
        #expect(
            bare.json("outbox/rejected/w.json.error.json")?["errors"]?.arrayValue?.first?["message"]?.stringValue?.contains("exec is disabled")
                == true)
    }

    @Test func longStandardErrorIsTruncatedInTheRecord() async throws {
        let root = try TemporaryRoot()
        let path = try script(root, "noisy.sh", "#!/bin/sh\nhead -c 20000 /dev/zero | tr '\\\\0' 'e' >&2\necho '{}'\n")
        try root.drop("n.json", RequestText.make(id: "n", steps: [step(#"{"command": "noisy"}"#)]))
        _ = try await run(root, configuration(["noisy": ExecCommandSettings(path: path)]))
        let stderr = try #require(root.json("outbox/results/n.json")?["steps"]?.arrayValue?.first?["stderr"]?.stringValue)
        #expect(stderr.count < 4200)
        #expect(stderr.contains("truncated"))
    }

    @Test func theAttemptAndItsChildAreWrittenBeforeTheCommandStarts() async throws {
        let root = try TemporaryRoot()
        try root.drop("r.json", RequestText.make(id: "r", steps: [step(#"{"command": "held"}"#)]))
        let launcher = HeldLauncher(record: root.file("outbox/running/r.json"))
        var engine = root.engine(configuration: configuration(["held": ExecCommandSettings(path: "/bin/true")]))
        engine.launcher = launcher
        defer { engine.audit.close() }
        _ = try await Runner(context: engine).runOnce()
        let seen = try #require(launcher.child.seenWhenLetGo, "the command was never let go")
        #expect(seen["status"] == "running")
        #expect(seen["attempts"] == 1)
        #expect(seen["process"] == HeldChild.identity.json)
        let result = try #require(root.json("outbox/results/r.json"))
        #expect(result["status"] == "succeeded")
        #expect(result["steps"]?[0]?["process"] == nil, "a finished attempt's child is not named any more")
    }

    @Test func aChildWhoseAttemptCannotBeWrittenNeverRunsItsCommand() async throws {
        let root = try TemporaryRoot()
        try root.drop("r.json", RequestText.make(id: "r", steps: [step(#"{"command": "held"}"#)]))
        let launcher = HeldLauncher(record: root.file("outbox/running/r.json"))
        // The first write of the live record is a rename; the attempt's, which names the child, replaces it.
        let disk = FaultyFileSystem([.init("replace", pathContains: "outbox/running/r.json", code: ENOSPC, times: 1)])
        var engine = root.engine(configuration: configuration(["held": ExecCommandSettings(path: "/bin/true")]), fileSystem: disk)
        engine.launcher = launcher
        defer { engine.audit.close() }
        _ = try? await Runner(context: engine).runOnce()
        #expect(launcher.child.seenWhenLetGo == nil, "the command was let go though its attempt was not written")
        #expect(launcher.child.signals == [SIGKILL])
        #expect(root.json("outbox/results/r.json")?["error"]?["code"] != "provider_error", "a disk error is the runner's, not the step's")
    }
}

/// A child that runs nothing: when let go, it reads the run's live record, as the command would find the disk.
final class HeldChild: RunningProcess, @unchecked Sendable {
    // Its observations sit behind `lock`.
    static let identity = ProcessIdentity(pid: 999_999, group: 999_999, startTime: 7, host: "testhost", bootId: nil, pidNamespace: nil)
    let record: String
    private let lock = NSLock()
    private var seen: JSONValue?
    private var sent: [Int32] = []

    init(record: String) { self.record = record }

    var identity: ProcessIdentity { Self.identity }
    var seenWhenLetGo: JSONValue? { lock.withLock { seen } }
    var signals: [Int32] { lock.withLock { sent } }

    func proceed() async throws {
        let step = (try? PosixFileSystem().readFile(record)).flatMap { try? JSONParser.parse($0) }?["steps"]?[0]
        lock.withLock { seen = step ?? .null }
    }

    func wait() async -> ProcessResult {
        ProcessResult(exitCode: 0, signal: nil, standardOutput: Array("{}".utf8), standardError: [])
    }

    func signal(_ signal: Int32) { lock.withLock { sent.append(signal) } }
}

/// Starts `HeldChild`ren (one per launcher here).
struct HeldLauncher: ProcessLauncher {
    let child: HeldChild
    init(record: String) { child = HeldChild(record: record) }
    func start(_ spec: ProcessSpec) async throws -> any RunningProcess { child }
}
