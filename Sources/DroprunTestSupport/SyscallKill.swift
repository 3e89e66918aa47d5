import DroprunKit
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built `droprun` run under `strace`, to count its file-system calls or to stop it with a real `SIGKILL` on
/// entering its Nth call of one kind (strace's fault injection, `-e inject=SYSCALL:signal=KILL:when=N`).
///
/// A kill at a random moment rarely lands inside a protocol window once the
/// program is fast; a kill at the Nth `rename` or `unlink` lands exactly
/// there, the same for the same N (replayable from a seed). strace counts
/// per call and per thread: with one thread doing the work, N names one
/// instant; with several, the first thread to reach its Nth call is stopped
/// (the whole process dies).
///
/// Linux only: strace must be installed (Debian package `strace`) and ptrace
/// allowed (a container may refuse it). Where it is not, `unavailable` says
/// why, and the tests that need it are skipped with that reason.
public enum SyscallKill {
    /// The calls counted and killed at: the renames, unlinks and folder removals of a purge, the writes of its lines
    /// and events, the flushes of strict durability (`strace -f -c` of `droprun gc` on Linux x86-64 shows `rename`,
    /// `unlink`, `rmdir`, `write`, `fsync`, `fdatasync`; the `*at` forms are those of other platforms' C libraries).
    public static let calls = [
        "rename", "renameat", "renameat2", "unlink", "unlinkat", "rmdir", "write", "fsync", "fdatasync", "syncfs",
    ]

    /// `strace` on `PATH`, or nil.
    public static let path: String? = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return folders.map { String($0) + "/strace" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Why the kills cannot be made here (strace missing, or ptrace refused), or nil when they can.
    public static let unavailable: String? = {
        #if os(Linux)
        guard let path else { return "strace is not installed (apt-get install -y strace)" }
        // A traced `true`: refused ptrace (a container without CAP_SYS_PTRACE, a Yama scope) fails here.
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: path)
        probe.arguments = ["-f", "-qq", "-o", "/dev/null", "--", "/bin/true"]
        let said = Pipe()
        probe.standardOutput = said
        probe.standardError = said
        probe.standardInput = FileHandle.nullDevice
        do { try probe.run() } catch { return "strace cannot be started: \(error)" }
        let output = said.fileHandleForReading.readDataToEndOfFile()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            return "strace cannot trace here (ptrace refused?): "
                + String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return nil
        #else
        return "strace is Linux only"
        #endif
    }()

    /// The calls one run of `droprun args` made: how many of each kind in all, and in order on its busiest thread
    /// (strace's counter of `when=N` is per kind and per thread: a point of that thread's sequence is a kind and an N).
    public struct Census: Sendable, CustomStringConvertible {
        /// Calls of each kind, all threads together.
        public var total: [String: Int] = [:]
        /// The calls of the thread that made the most (gc's own: the steps done on one thread are all its), in order.
        public var sequence: [String] = []
        /// What the run returned.
        public var output: BuiltBinary.Output

        /// The kind of the call at `position` (0-based) of `sequence`, and which of its kind it is (1-based): the
        /// `when=N` that stops the thread on entering it.
        public func point(at position: Int) -> (call: String, n: Int) {
            let call = sequence[position]
            return (call, sequence[...position].lazy.filter { $0 == call }.count)
        }

        public var description: String {
            total.keys.sorted().map { "\($0) \(total[$0] ?? 0)" }.joined(separator: ", ") + "; \(sequence.count) on its busiest thread"
        }
    }

    /// Runs `droprun args` on `root` to its end under strace and notes its calls of `calls`.
    public static func census(_ args: [String], root: String, timeout: Double = BuiltBinary.defaultTimeout) throws -> Census {
        let log = Path.join(NSTemporaryDirectory(), "droprun-strace-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).log")
        defer { unlink(log) }
        let output = try traced(["-o", log, "-e", "trace=" + calls.joined(separator: ",")], args, root: root, timeout: timeout)
        var census = Census(output: output)
        var perThread: [Substring: [String]] = [:]
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            // `TID  name(args) = result`, or a call cut by another thread's: `TID  name(args <unfinished ...>` (counted
            // where it is entered, as strace's injection counts), then `TID  <... name resumed>) = result` (skipped).
            let fields = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard fields.count == 2, let open = fields[1].firstIndex(of: "(") else { continue }
            let name = fields[1][..<open].trimmingCharacters(in: .whitespaces)
            guard calls.contains(name) else { continue }
            census.total[name, default: 0] += 1
            perThread[fields[0], default: []].append(name)
        }
        census.sequence = perThread.values.max { $0.count < $1.count } ?? []
        return census
    }

    /// Runs `droprun args` on `root` under strace, which sends it `SIGKILL` on entering its `n`th `call` (on any one
    /// thread); the output's code is 137 when it was killed, else the program's own (it ended before its `n`th call).
    public static func run(
        _ args: [String], root: String, killingAt call: String, n: Int, timeout: Double = BuiltBinary.defaultTimeout
    ) throws -> BuiltBinary.Output {
        try traced(["-o", "/dev/null", "-e", "trace=\(call)", "-e", "inject=\(call):signal=KILL:when=\(n)"], args, root: root, timeout: timeout)
    }

    /// `strace -f -qq OPTIONS -- droprun --root root args`. (Not `--seccomp-bpf`: strace 6.1 then injects nothing.)
    private static func traced(_ options: [String], _ args: [String], root: String, timeout: Double) throws -> BuiltBinary.Output {
        guard let path else { throw BuiltBinary.Failure.notFound(searched: ["strace on PATH"]) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-f", "-qq"] + options + ["--", try BuiltBinary.path(), "--root", root] + args
        var variables = ProcessInfo.processInfo.environment
        variables.removeValue(forKey: "DROPRUN_ROOT")
        process.environment = variables
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        return try RunningDroprun(process: process, arguments: ["strace"] + options + args, stdin: nil).wait(timeout: timeout)
    }
}
