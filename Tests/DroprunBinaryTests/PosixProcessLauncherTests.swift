import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// Children never hold the threads the runner's timers need: with the built binary and real processes.
@Suite struct PosixProcessLauncherTests {
    /// A 300 ms limit ends the step in time while four other `exec` steps run; a `delay` step's timer and the heartbeat are not late.
    ///
    /// Before children had threads of their own, their reads and `waitpid` held
    /// the threads Swift concurrency runs on: the limit fired after about 2.3 s,
    /// and the delay and the heartbeat were as late. The bounds leave room for a loaded machine.
    @Test func aTimeLimitEndsInTimeWhileOtherCommandsRun() async throws {
        let root = try TemporaryRoot()
        try root.write(
            "droprun.json",
            """
            {"concurrency": 6, "leaseSeconds": 1, "providers": {"exec": {"commands": {
              "limited": {"path": "/bin/sleep", "timeoutMs": 300},
              "busy": {"path": "/bin/sleep", "timeoutMs": 30000}}}}}
            """)
        try root.drop(
            "limited.json",
            RequestText.make(
                id: "limited",
                steps: [
                    #"{"id": "s", "provider": "exec", "with": {"command": "limited", "args": ["10"]}}"#
                ]))
        for i in 0..<4 {
            try root.drop(
                "busy-\(i).json",
                RequestText.make(
                    id: "busy-\(i)",
                    steps: [
                        #"{"id": "s", "provider": "exec", "with": {"command": "busy", "args": ["3"]}}"#
                    ]))
        }
        try root.drop(
            "timer.json",
            RequestText.make(
                id: "timer",
                steps: [
                    #"{"id": "wait", "provider": "delay", "with": {"ms": 250}}"#
                ]))
        let runner = try BuiltBinary.start(["run", "--once"], root: root.path)
        // The heartbeat is renewed every leaseSeconds / 3 (333 ms here): its modification times, as they change, looked
        // at from a thread of its own (a late look at a busy test pool would be taken for a late renewal).
        let folder = root.file("outbox/runners")
        let pid = runner.processIdentifier
        let renewals = try await blockingWork { () -> [Double] in
            var seen: [Double] = []
            while seen.count < 10_000, kill(pid, 0) == 0 {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasSuffix(".json") {
                    let attributes = try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)
                    if let time = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970, seen.last != time { seen.append(time) }
                }
                usleep(10_000)
            }
            return seen
        }
        let output = try await blockingWork { try runner.wait(timeout: 60) }
        #expect(output.code == 1, "\(output.stdout)\(output.stderr)")
        let gaps = zip(renewals.dropFirst(), renewals).map { $0 - $1 }
        #expect(renewals.count >= 5, "\(renewals.count) renewals seen")
        #expect((gaps.max() ?? 0) < 2, "the heartbeat went \(gaps.max() ?? 0) s without renewal (every 0.333 s expected): \(gaps)")

        let limited = try #require(root.json("outbox/results/limited.json")?["steps"]?[0])
        #expect(limited["error"]?["code"] == "step_timeout")
        let limitedMs = try #require(limited["durationMs"]?.intValue)
        // What this guards against is a timer held until a busy command ends (30 s); 2 s leaves room for a loaded machine.
        #expect(limitedMs < 2000, "the 300 ms limit ended the step after \(limitedMs) ms")

        let wait = try #require(root.json("outbox/results/timer.json")?["steps"]?[0])
        #expect(wait["status"] == "succeeded")
        let waitMs = try #require(wait["durationMs"]?.intValue)
        #expect(waitMs < 2000, "a 250 ms delay took \(waitMs) ms while commands ran")
        for i in 0..<4 {
            // `sleep` prints nothing, which is not JSON: each ran to its end and failed for its output only.
            #expect(root.json("outbox/results/busy-\(i).json")?["error"]?["code"] == "exec_bad_output")
        }
    }

    /// The built droprun executable as the exec shim, as the real program uses itself.
    /// A command that prints the descriptors it holds open (not counting the one `listdir` used) as `{"fds": [...]}`.
    static let descriptorLister = """
        #!/usr/bin/env python3
        import fcntl, json, os, sys
        def is_open(fd):
            try:
                fcntl.fcntl(fd, fcntl.F_GETFD)
                return True
            except OSError:
                return False
        names = sorted(int(n) for n in os.listdir("/proc/self/fd"))
        sys.stdin.read()
        print(json.dumps({"fds": [fd for fd in names if is_open(fd)]}))
        """

    /// Concurrent commands hold none of each other's pipes, nor what the runner inherited: each sees 0, 1 and 2 only,
    /// and a `cat` step ends as soon as its input is written though `sleep` steps run beside it.
    ///
    /// Before pipes were close-on-exec from their creation, a child spawned on another thread in the moment between
    /// `pipe()` and the move inherited them (a `cat` then waited for a sibling's `sleep 4`), and the shim passed on
    /// every descriptor the runner inherited (here 251).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fd"), "reads /proc"))
    func concurrentCommandsSeeOnlyTheirOwnStandardStreams() async throws {
        let root = try TemporaryRoot()
        try root.write("fds.py", Self.descriptorLister)
        chmod(root.file("fds.py"), 0o755)
        try root.write(
            "droprun.json",
            """
            {"concurrency": 16, "durability": "fast", "providers": {"exec": {"commands": {
              "fds": {"path": "\(root.file("fds.py"))", "timeoutMs": 30000},
              "cat": {"path": "/bin/cat", "timeoutMs": 30000},
              "sleep": {"path": "/bin/sh", "timeoutMs": 30000}}}}}
            """)
        for i in 0..<4 {
            try root.drop(
                "sleep-\(i).json",
                RequestText.make(
                    id: "sleep-\(i)",
                    steps: [
                        #"{"id": "s", "provider": "exec", "with": {"command": "sleep", "args": ["-c", "sleep 4; echo {}"]}}"#
                    ]))
        }
        for i in 0..<24 {
            try root.drop(
                "fds-\(i).json",
                RequestText.make(
                    id: "fds-\(i)",
                    steps: [
                        #"{"id": "s", "provider": "exec", "with": {"command": "fds", "input": {"n": 1}}}"#
                    ]))
            try root.drop(
                "cat-\(i).json",
                RequestText.make(
                    id: "cat-\(i)",
                    steps: [
                        #"{"id": "s", "provider": "exec", "with": {"command": "cat", "input": {"n": 2}}}"#
                    ]))
        }
        let binary = try BuiltBinary.path()
        let rootPath = root.path
        let code: Int32 = try await blockingWork {
            let runner = Foundation.Process()
            runner.executableURL = URL(fileURLWithPath: "/bin/bash")
            // The runner inherits descriptor 251, as from a parent that leaked one.
            runner.arguments = ["-c", #"exec 251</dev/null; exec "$0" --root "$1" run --once"#, binary, rootPath]
            runner.standardOutput = FileHandle.nullDevice
            try runner.run()
            runner.waitUntilExit()
            return runner.terminationStatus
        }
        #expect(code == 0)
        for i in 0..<24 {
            let fds = try #require(root.json("outbox/results/fds-\(i).json"), "fds-\(i)")
            #expect(fds["steps"]?[0]?["output"] == ["fds": [0, 1, 2]], "fds-\(i): \(JSONWriter.compact(fds["steps"]?[0]?["output"] ?? .null))")
            let cat = try #require(root.json("outbox/results/cat-\(i).json"), "cat-\(i)")
            #expect(cat["status"] == "succeeded")
            #expect((cat["durationMs"]?.intValue ?? 0) < 3000, "cat-\(i) waited for a sibling: \(cat["durationMs"] ?? .null) ms")
        }
    }

    func shimLauncher() throws -> PosixProcessLauncher { PosixProcessLauncher(shim: try BuiltBinary.path()) }

    func shell(_ line: String) -> ProcessSpec {
        ProcessSpec(path: "/bin/sh", arguments: ["-c", line], environment: ["PATH": "/usr/bin:/bin"], workingDirectory: nil, standardInput: [])
    }

    /// The program a process runs now (`/proc/<pid>/exe`).
    func program(_ pid: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/\(pid)/exe", &buffer, 4095)
        return n > 0 ? String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    @Test func aHeldBackChildRunsItsCommandOnlyOnceLetGo() async throws {
        let root = try TemporaryRoot()
        let marker = root.file("ran")
        let process = try await shimLauncher().start(shell("touch '\(marker)'; echo '{\"ran\": true}'"))
        // Held back: still the shim, in a group of its own, and the command has done nothing.
        #expect(process.identity.group == process.identity.pid)
        #expect(process.identity.startTime != nil)
        #expect(program(process.identity.pid).map { URL(fileURLWithPath: $0).lastPathComponent } == "droprun")
        #expect(!root.exists("ran"))
        try await process.proceed()
        let result = await process.wait()
        #expect(result.exitCode == 0)
        #expect(String(decoding: result.standardOutput, as: UTF8.self) == "{\"ran\": true}\n")
        #expect(root.exists("ran"))
    }

    @Test func aChildSignalledBeforeItIsLetGoNeverRunsItsCommand() async throws {
        let root = try TemporaryRoot()
        let process = try await shimLauncher().start(shell("touch '\(root.file("ran"))'"))
        process.signal(SIGKILL)
        let result = await process.wait()
        #expect(result.signal == SIGKILL || result.exitCode == ExecShim.abandoned)
        #expect(!root.exists("ran"))
    }

    @Test func aProgramThatCannotBeStartedIsReportedWhenLetGo() async throws {
        let spec = ProcessSpec(path: "/nonexistent/program", arguments: [], environment: [:], workingDirectory: nil, standardInput: [])
        let process = try await shimLauncher().start(spec)
        let error = await #expect(throws: FileSystemError.self) { try await process.proceed() }
        #expect(error?.description.contains("No such file") == true, "\(String(describing: error))")
        // The reason came through the shim's report; its exit status is only nonzero (1 through CLI.run).
        #expect(await process.wait().exitCode.map { $0 != 0 } == true)
    }

    @Test func standardInputIsFedWhileLargeOutputIsDrained() async throws {
        // More than a pipe holds both ways: a reader that waited for the writer (or the reverse) would hang.
        let input = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        let spec = ProcessSpec(path: "/bin/cat", arguments: [], environment: [:], workingDirectory: nil, standardInput: input)
        let process = try await shimLauncher().start(spec)
        try await process.proceed()
        let result = await process.wait()
        #expect(result.exitCode == 0)
        #expect(result.standardOutput == input)
    }
}
