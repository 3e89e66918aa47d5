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
/// runner reads end of file when the command started) and exits nonzero; when it
/// gives up before (no `PR_SET_PDEATHSIG`, a changed parent) it reports a
/// negative `Abandonment` code the same way and exits 125, so the runner
/// says `exec_start_failed` with the reason, never "exited with status 125".
/// Just before `execve` it closes every inherited descriptor above 4: the
/// command gets only its standard streams, never what the runner inherited.
public enum ExecShim {
    /// `argv[0]` of the shim: `droprun-exec-shim PARENT_PID PATH ARGV0 ARGS...`.
    public static let marker = "droprun-exec-shim"
    /// Exit status when the runner is gone or gave the child up before the command started.
    static let abandoned: Int32 = 125

    /// Why the shim gave up before starting the command, as it reports it through descriptor 4 (negative: never an `errno`).
    enum Abandonment: Int32, Sendable {
        /// Its arguments are not the launcher's.
        case badArguments = -1
        /// `PR_SET_PDEATHSIG` could not be set: the command would outlive its runner.
        case noParentDeathSignal = -2
        /// Its parent is not the runner that spawned it (that runner died before the request took effect).
        case parentChanged = -3

        var message: String {
            switch self {
            case .badArguments: "the exec shim was started with arguments it does not understand"
            case .noParentDeathSignal: "the exec shim could not tie the command to its runner's life (prctl PR_SET_PDEATHSIG failed)"
            case .parentChanged: "the exec shim found its runner gone before the command started"
            }
        }
    }

    /// The shim gave the command up before starting it: reported as `exec_start_failed`, never as the command's exit status.
    struct GaveUp: Error, CustomStringConvertible {
        var reason: Abandonment
        var path: String
        var description: String { "\(reason.message); '\(path)' was not started" }
    }
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
        _ = fcntl(4, F_SETFD, FD_CLOEXEC)
        guard argv.count >= 4, let parent = Int32(argv[1]) else { return giveUp(.badArguments) }
        #if os(Linux)
        guard let prctl = Prctl.function, prctl(Prctl.setParentDeathSignal, UInt(SIGKILL), 0, 0, 0) == 0 else {
            return giveUp(.noParentDeathSignal)
        }
        #endif
        guard getppid() == parent else { return giveUp(.parentChanged) }
        var byte: UInt8 = 0
        var n = 0
        repeat { n = read(3, &byte, 1) } while n < 0 && errno == EINTR
        // End of file: the runner gave the child up (it knows; nothing to report).
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
        // Nothing but 0, 1 and 2 reaches the command, whatever the runner inherited (the launcher closes those too
        // where `posix_spawn` can). Only descriptors that would survive `execve` are closed, at the last moment:
        // the runtime's own are close-on-exec, and it may still use them until the command replaces this program.
        closeInheritedDescriptors(from: 5)
        execv(target, pointers)
        report(errno)
        return cannotStart
    }

    /// Reports why the command was not started through descriptor 4, and returns the shim's exit status.
    private static func giveUp(_ reason: Abandonment) -> Int32 {
        report(reason.rawValue)
        return abandoned
    }

    /// Writes `code` to descriptor 4 (the runner reads it as the reason the command did not start).
    private static func report(_ code: Int32) {
        var code = code
        _ = withUnsafeBytes(of: &code) { write(4, $0.baseAddress, $0.count) }
    }

    /// Closes every descriptor from `first` up that is not close-on-exec: each one open in `/proc/self/fd`, else every
    /// number below the descriptor limit.
    static func closeInheritedDescriptors(from first: Int32) {
        func closeIfInherited(_ fd: Int32) {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0, flags & FD_CLOEXEC == 0 { close(fd) }
        }
        #if os(Linux)
        if let folder = opendir("/proc/self/fd") {
            let own = dirfd(folder)
            var open: [Int32] = []
            while let item = readdir(folder) {
                let name = withUnsafeBytes(of: item.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if let fd = Int32(name), fd >= first, fd != own { open.append(fd) }
            }
            closedir(folder)
            for fd in open { closeIfInherited(fd) }
            return
        }
        #endif
        let limit = min(Int32(clamping: sysconf(Int32(_SC_OPEN_MAX))), 1 << 16)
        if limit > first { for fd in first..<limit { closeIfInherited(fd) } }
    }
}

#if os(Linux)
#endif
