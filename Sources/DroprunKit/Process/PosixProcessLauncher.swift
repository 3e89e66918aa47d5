import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts children with `posix_spawn`: an argument vector, never a shell.
///
/// The child gets exactly the environment in its spec, its own process group
/// (so a timeout signals the whole group), default handling of every signal
/// (an ignored SIGTERM in the runner would otherwise stay ignored in the
/// child), an empty signal mask, and no descriptor but its three pipes (every
/// other descriptor droprun opens is close-on-exec). Output beyond
/// `outputLimit` bytes per stream is read and dropped.
public struct PosixProcessLauncher: ProcessLauncher {
    /// Bytes kept of each output stream.
    public var outputLimit: Int

    public init(outputLimit: Int = 16 << 20) { self.outputLimit = outputLimit }

    public func start(_ spec: ProcessSpec) throws -> any RunningProcess {
        var stdinPipe: [Int32] = [0, 0]
        var stdoutPipe: [Int32] = [0, 0]
        var stderrPipe: [Int32] = [0, 0]
        guard pipe(&stdinPipe) == 0 else { throw FileSystemError("pipe", path: spec.path, code: errno) }
        guard pipe(&stdoutPipe) == 0 else { throw FileSystemError("pipe", path: spec.path, code: errno) }
        guard pipe(&stderrPipe) == 0 else { throw FileSystemError("pipe", path: spec.path, code: errno) }
        for fd in stdinPipe + stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = SpawnActions()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        if let folder = spec.workingDirectory {
            guard let addchdir = ChangeDirectoryAction.function else {
                throw FileSystemError("posix_spawn_file_actions_addchdir_np", path: folder, code: ENOSYS)
            }
            _ = folder.withCString { addchdir(&actions, $0) }
        }

        var attributes = SpawnAttributes()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv = [spec.path] + spec.arguments
        let envp = spec.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let code = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                posix_spawn(&pid, spec.path, &actions, &attributes, argvPointers, envPointers)
            }
        }
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard code == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw FileSystemError("posix_spawn", path: spec.path, code: code)
        }
        return PosixRunningProcess(pid: pid, stdin: stdinPipe[1], stdout: stdoutPipe[0], stderr: stderrPipe[0], input: spec.standardInput, limit: outputLimit)
    }
}

// Glibc's spawn types are structs; Darwin's are optional opaque pointers.
#if canImport(Darwin)
typealias SpawnActions = posix_spawn_file_actions_t?
typealias SpawnAttributes = posix_spawnattr_t?
#else
typealias SpawnActions = posix_spawn_file_actions_t
typealias SpawnAttributes = posix_spawnattr_t
#endif

/// Calls `body` with a NULL-terminated array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}

/// `posix_spawn_file_actions_addchdir_np` (glibc 2.29, macOS 10.15), looked up at run time: Glibc's Swift module does not export it.
enum ChangeDirectoryAction {
    typealias Function = @convention(c) (UnsafeMutablePointer<SpawnActions>, UnsafePointer<CChar>) -> Int32
    static let function: Function? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: -2), "posix_spawn_file_actions_addchdir_np")
            ?? dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()
}

/// A spawned child: feeds its standard input, drains its outputs on background threads, reaps it with `waitpid`.
final class PosixRunningProcess: RunningProcess, @unchecked Sendable {
    // pid and descriptors are fixed at creation; `collected` is written once by the reader threads under its mutex.
    private let pid: pid_t
    private let reaped = Mutex(false)
    private let collected = Mutex<(stdout: [UInt8], stderr: [UInt8])>(([], []))
    private let group = DispatchGroup()

    init(pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32, input: [UInt8], limit: Int) {
        self.pid = pid
        let queue = DispatchQueue.global()
        queue.async {
            // SIGPIPE is ignored by the runner when the child stops reading; write then fails with EPIPE.
            var offset = 0
            while offset < input.count {
                let n = input.withUnsafeBytes { write(stdin, $0.baseAddress.map { $0 + offset }, input.count - offset) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                offset += n
            }
            close(stdin)
        }
        for (fd, isOut) in [(stdout, true), (stderr, false)] {
            group.enter()
            queue.async { [self] in
                var kept: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 64 * 1024)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    if kept.count < limit { kept.append(contentsOf: buffer[0..<min(n, limit - kept.count)]) }
                }
                close(fd)
                collected.withLock { if isOut { $0.stdout = kept } else { $0.stderr = kept } }
                group.leave()
            }
        }
    }

    func wait() async -> ProcessResult {
        let pid = self.pid
        let status: Int32 = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            group.notify(queue: .global()) { continuation.resume() }
        }
        reaped.withLock { $0 = true }
        let output = collected.withLock { $0 }
        let exited = status & 0x7F == 0
        return ProcessResult(
            exitCode: exited ? (status >> 8) & 0xFF : nil, signal: exited ? nil : status & 0x7F,
            standardOutput: output.stdout, standardError: output.stderr)
    }

    func signal(_ signal: Int32) {
        // Never after the child was reaped: its process id may belong to another process by then.
        reaped.withLock { done in
            guard !done else { return }
            _ = kill(-pid, signal)
            _ = kill(pid, signal)
        }
    }
}
