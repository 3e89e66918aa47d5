#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The droprun executable in its other role: the first program of an `exec` child, which then becomes the command.
///
/// `posix_spawn` cannot set anything that ties a child to its parent's life,
/// so the launcher spawns droprun itself with `argv[0]` set to `marker`. As
/// the shim it asks the kernel to kill it when the thread that spawned it
/// ends (`PR_SET_PDEATHSIG`, which outlives `execve`; Linux only), checks
/// that this parent is still there (it may have died before the request),
/// then waits on descriptor 3 for one byte: the runner sends it once it has
/// written down who the child is. Only then does it `execve` the command,
/// with the environment it was spawned with. If the command cannot be
/// started, it reports `errno` through descriptor 4 (closed on exec, so the
/// runner reads end of file when the command started) and exits 127.
public enum ExecShim {
    /// `argv[0]` of the shim: `droprun-exec-shim PARENT_PID PATH ARGV0 ARGS...`.
    public static let marker = "droprun-exec-shim"
    /// Exit status when the runner is gone or gave the child up before the command started.
    static let abandoned: Int32 = 125
    /// Exit status when the command could not be started.
    static let cannotStart: Int32 = 127

    /// The executable to spawn as the shim, in this process: `/proc/self/exe` on Linux; nil elsewhere (no shim).
    public static var currentExecutable: String? {
        #if os(Linux)
        return access("/proc/self/exe", X_OK) == 0 ? "/proc/self/exe" : nil
        #else
        return nil
        #endif
    }

    /// The argument vector that runs `path` with `arguments` through the shim, for a parent of process id `parent`.
    static func arguments(parent: Int32, path: String, arguments: [String]) -> [String] {
        [marker, String(parent), path, path] + arguments
    }

    /// When this process is the shim: becomes the command and never returns, or returns the exit status of a failure.
    ///
    /// Returns nil when this process is not the shim (`argv[0]` is not `marker`).
    public static func runIfRequested(_ argv: [String]) -> Int32? {
        guard argv.first == marker else { return nil }
        guard argv.count >= 4, let parent = Int32(argv[1]) else { return abandoned }
        #if os(Linux)
        guard let prctl = Prctl.function, prctl(Prctl.setParentDeathSignal, UInt(SIGKILL), 0, 0, 0) == 0 else { return abandoned }
        #endif
        guard getppid() == parent else { return abandoned }
        _ = fcntl(4, F_SETFD, FD_CLOEXEC)
        var byte: UInt8 = 0
        var n = 0
        repeat { n = read(3, &byte, 1) } while n < 0 && errno == EINTR
        guard n == 1 else { return abandoned }
        close(3)
        // The command starts with default signal handling and an empty mask, whatever this runtime set up.
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        for number: Int32 in 1..<32 where number != SIGKILL && number != SIGSTOP { signal(number, SIG_DFL) }
        let target = argv[2]
        let commandArguments = Array(argv[3...])
        var pointers: [UnsafeMutablePointer<CChar>?] = commandArguments.map { strdup($0) }
        pointers.append(nil)
        execv(target, pointers)
        var code = errno
        _ = withUnsafeBytes(of: &code) { write(4, $0.baseAddress, $0.count) }
        return cannotStart
    }
}

#if os(Linux)
/// `prctl`, looked up at run time: it is variadic in C, which Swift does not import.
enum Prctl {
    typealias Function = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    static let setParentDeathSignal: Int32 = 1
    static let function: Function? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()
}
#endif
