import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A spawned child, served by the thread that spawned it: held back until `proceed()` (with the shim), then its
/// standard input fed and its outputs drained with `poll` on non-blocking pipes, then reaped.
final class PosixRunningProcess: RunningProcess, @unchecked Sendable {
    // The descriptors are used only by the serving thread; everything shared sits in `state`, behind its mutex.
    private enum Decision { case proceed, abandon }

    private struct State {
        /// Set once the child has ended, before it is reaped: its process id may then belong to another process.
        var reaped = false
        var decision: Decision?
        /// How starting the program went (held-back children), once known.
        var started: Result<Void, any Error>?
        var proceedWaiters: [CheckedContinuation<Result<Void, any Error>, Never>] = []
        var result: ProcessResult?
        var waiters: [CheckedContinuation<ProcessResult, Never>] = []
    }

    let identity: ProcessIdentity
    private let pid: pid_t
    private let path: String
    private let stdin: Int32
    private let stdout: Int32
    private let stderr: Int32
    /// Held back: the write end the go-ahead byte goes through, and the read end of the shim's report.
    private let hold: (go: Int32, status: Int32)?
    private let input: [UInt8]
    private let limit: Int
    private let decided = DispatchSemaphore(value: 0)
    private let state = Mutex(State())

    /// How long output is still read after the child ended while something it left behind keeps its pipes open.
    static let drainAfterExit: Duration = .seconds(2)

    private init(pid: pid_t, path: String, stdin: Int32, stdout: Int32, stderr: Int32, hold: (go: Int32, status: Int32)?, input: [UInt8], limit: Int)
    {
        self.pid = pid
        self.path = path
        self.identity = ProcessIdentity.ofChild(pid)
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.hold = hold
        self.input = input
        self.limit = limit
    }

    /// Spawns `spec` (through `shim` when given, held back), on the calling thread, which must then call `serve()`.
    static func spawn(_ spec: ProcessSpec, shim: String?, limit: Int) throws -> PosixRunningProcess {
        var pipes: [[Int32]] = []
        defer { for pair in pipes { for fd in pair where fd >= 0 { close(fd) } } }
        for _ in 0..<(shim == nil ? 3 : 5) {
            pipes.append(try makePipe(spec.path))
        }
        // [read, write] of: standard input, output, error, then the shim's go-ahead and its report.
        var actions = SpawnActions()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[0][0], 0)
        posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipes[2][1], 2)
        if shim != nil {
            posix_spawn_file_actions_adddup2(&actions, pipes[3][0], 3)
            posix_spawn_file_actions_adddup2(&actions, pipes[4][1], 4)
        }
        // Nothing the runner inherited (or another thread opened without close-on-exec) reaches the child.
        if let closeFrom = CloseFromAction.function { _ = closeFrom(&actions, shim == nil ? 3 : 5) }
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

        let program = shim ?? spec.path
        let argv = shim == nil ? [spec.path] + spec.arguments : ExecShim.arguments(parent: getpid(), path: spec.path, arguments: spec.arguments)
        let envp = spec.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let code = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                posix_spawn(&pid, program, &actions, &attributes, argvPointers, envPointers)
            }
        }
        guard code == 0 else { throw FileSystemError("posix_spawn", path: spec.path, code: code) }
        // The child's ends are closed (by the defer); the runner's ends are kept, non-blocking.
        func keep(_ pair: Int, _ end: Int) -> Int32 {
            let fd = pipes[pair][end]
            pipes[pair][end] = -1
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            return fd
        }
        let hold = shim == nil ? nil : (go: keep(3, 1), status: keep(4, 0))
        return PosixRunningProcess(
            pid: pid, path: spec.path, stdin: keep(0, 1), stdout: keep(1, 0), stderr: keep(2, 0),
            hold: hold, input: spec.standardInput, limit: limit)
    }

    /// A close-on-exec pipe whose descriptors are above the five the child is given (so `dup2` never maps one onto itself).
    ///
    /// Close-on-exec from its creation (`pipe2(O_CLOEXEC)`): another exec
    /// step's `posix_spawn` on another thread at the same moment must not
    /// inherit it (a command holding a sibling's standard input open keeps
    /// that sibling from ever reading end of file).
    private static func makePipe(_ path: String) throws -> [Int32] {
        var fds: [Int32] = [0, 0]
        guard ClosedOnExecPipe.make(&fds) == 0 else { throw FileSystemError("pipe2", path: path, code: errno) }
        return fds.map { fd in
            let moved = fcntl(fd, F_DUPFD_CLOEXEC, 5)
            guard moved >= 0 else {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                return fd
            }
            close(fd)
            return moved
        }
    }

    // MARK: - The serving thread

    /// Runs on the thread that spawned the child, until it is reaped.
    func serve() {
        if let hold {
            decided.wait()
            let decision = state.withLock { $0.decision ?? .abandon }
            var started: Result<Void, any Error> = .failure(FileSystemError("execve", path: path, code: ECANCELED))
            if decision == .proceed {
                var go: UInt8 = 1
                _ = write(hold.go, &go, 1)
                close(hold.go)
                started = Self.readStartReport(hold.status, path: path)
            } else {
                // End of file on its descriptor 3: the shim exits without starting the command.
                close(hold.go)
            }
            close(hold.status)
            let waiters = state.withLock { state in
                state.started = started
                defer { state.proceedWaiters = [] }
                return state.proceedWaiters
            }
            for waiter in waiters { waiter.resume(returning: started) }
        }
        let (out, err) = pump()
        reap(out, err)
    }

    /// The shim's report: end of file once the command started, else the `errno` of its `execve` (or why it gave up).
    private static func readStartReport(_ fd: Int32, path: String) -> Result<Void, any Error> {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var code: Int32 = 0
        var got = 0
        while got < MemoryLayout<Int32>.size {
            let n = withUnsafeMutableBytes(of: &code) { read(fd, $0.baseAddress! + got, $0.count - got) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        guard got == MemoryLayout<Int32>.size else { return .success(()) }
        if let reason = ExecShim.Abandonment(rawValue: code) {
            return .failure(ExecShim.GaveUp(reason: reason, path: path))
        }
        return .failure(FileSystemError("execve", path: path, code: code))
    }

    /// Feeds standard input and drains both outputs until they close (or for a while after the child ended).
    private func pump() -> (stdout: [UInt8], stderr: [UInt8]) {
        var kept: [[UInt8]] = [[], []]
        var open: [Int32] = [stdout, stderr]
        var inputFd: Int32 = stdin
        var written = 0
        if input.isEmpty {
            close(inputFd)
            inputFd = -1
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var exitedAt: ContinuousClock.Instant?
        var lastLook = ContinuousClock.now
        while open.contains(where: { $0 >= 0 }) {
            var polled = [pollfd(fd: inputFd, events: Int16(POLLOUT), revents: 0)]
            for fd in open { polled.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&polled, nfds_t(polled.count), 100)
            if ready < 0 && errno != EINTR { break }
            if inputFd >= 0, polled[0].revents != 0 {
                // SIGPIPE is ignored by the runner: when the child stops reading, write fails with EPIPE.
                let n = input.withUnsafeBytes { write(inputFd, $0.baseAddress! + written, input.count - written) }
                if n > 0 { written += n }
                if (n < 0 && errno != EAGAIN && errno != EINTR) || written == input.count || polled[0].revents & Int16(POLLOUT) == 0 {
                    close(inputFd)
                    inputFd = -1
                }
            }
            for (slot, fd) in open.enumerated() where fd >= 0 && polled[slot + 1].revents != 0 {
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n > 0 {
                        if kept[slot].count < limit { kept[slot].append(contentsOf: buffer[0..<min(n, limit - kept[slot].count)]) }
                        continue
                    }
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 && errno == EAGAIN { break }
                    close(fd)
                    open[slot] = -1
                    break
                }
            }
            // Something the child left behind may hold its pipes open long after it ended: read on for a while only.
            let now = ContinuousClock.now
            if exitedAt == nil, now - lastLook >= .milliseconds(100) {
                lastLook = now
                if hasEnded() { exitedAt = now }
            }
            if let exitedAt, now - exitedAt > Self.drainAfterExit { break }
        }
        if inputFd >= 0 { close(inputFd) }
        for fd in open where fd >= 0 { close(fd) }
        return (kept[0], kept[1])
    }

    /// True once the child has ended (it stays a zombie, unreaped, so its process id is not reused yet).
    private func hasEnded() -> Bool {
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_signo == SIGCHLD
    }

    /// Waits for the child to end, marks it reaped (no signal goes to its process id after), reaps it, hands out the result.
    private func reap(_ out: [UInt8], _ err: [UInt8]) {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        state.withLock { $0.reaped = true }
        var status: Int32 = 0
        var reaped: pid_t = -1
        repeat { reaped = waitpid(pid, &status, 0) } while reaped < 0 && errno == EINTR
        let exited = status & 0x7F == 0
        let result = ProcessResult(
            exitCode: reaped < 0 ? nil : exited ? (status >> 8) & 0xFF : nil, signal: reaped < 0 || exited ? nil : status & 0x7F,
            standardOutput: out, standardError: err)
        let waiters = state.withLock { state in
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    // MARK: - RunningProcess

    func proceed() async throws {
        guard hold != nil else { return }
        let started: Result<Void, any Error> = await withCheckedContinuation { continuation in
            let (known, decide) = state.withLock { state -> (Result<Void, any Error>?, Bool) in
                if let started = state.started { return (started, false) }
                state.proceedWaiters.append(continuation)
                guard state.decision == nil else { return (nil, false) }
                state.decision = .proceed
                return (nil, true)
            }
            if decide { decided.signal() }
            if let known { continuation.resume(returning: known) }
        }
        try started.get()
    }

    func wait() async -> ProcessResult {
        await withCheckedContinuation { continuation in
            let known = state.withLock { state -> ProcessResult? in
                if let result = state.result { return result }
                state.waiters.append(continuation)
                return nil
            }
            if let known { continuation.resume(returning: known) }
        }
    }

    func signal(_ signal: Int32) {
        // Never after the child was reaped: its process id may belong to another process by then.
        let abandon = state.withLock { state -> Bool in
            guard !state.reaped else { return false }
            _ = kill(-pid, signal)
            _ = kill(pid, signal)
            // A child signalled before it was let go never starts its program.
            guard hold != nil, state.decision == nil else { return false }
            state.decision = .abandon
            return true
        }
        if abandon { decided.signal() }
    }
}
