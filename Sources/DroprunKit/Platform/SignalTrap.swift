import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGTERM and SIGINT into a `StopToken` stop, and SIGHUP into a `ReloadToken` request (`watch`).
///
/// SIGHUP asks a daemon to read its configuration again (Postfix, nginx,
/// sshd; systemd's `ExecReload=/bin/kill -HUP $MAINPID`), so it never stops
/// `watch`: a watch left on a terminal that is closed goes on serving the
/// root (stop it with SIGTERM; under systemd or cron no terminal is involved).
///
/// A real handler (`sigaction`) writes the signal's number into a pipe, and a
/// thread of its own reads the pipe and calls what was installed: whichever
/// thread the kernel picks runs the handler, so no signal is lost. (A
/// dispatch signal source with the signal ignored lost one now and then on
/// Linux: another thread of the process took the signal, ignored, before the
/// source's `signalfd` read it, and a `run --once` sent SIGTERM finished its
/// step instead of stopping.) A child started later gets the default action
/// back at `exec`.
public enum SignalTrap {
    /// Installs the stop handlers: SIGTERM and SIGINT each stop `token`.
    public static func install(_ token: StopToken) {
        for sig in [SIGTERM, SIGINT] { listen(sig) { token.stop() } }
    }

    /// Installs the reload handler: each SIGHUP requests a reload on `token`.
    public static func installReload(_ token: ReloadToken) {
        listen(SIGHUP) { token.request() }
    }

    /// Unblocks SIGTERM, SIGINT and SIGHUP for the calling thread (the real program's main thread, first thing).
    ///
    /// A process inherits its blocked signals from the thread that started it:
    /// one started from a thread of Dispatch (which blocks them), as
    /// Foundation's `Process` may, had SIGTERM blocked in every thread, and a
    /// stop never arrived. With the main thread open to them, the kernel hands
    /// each to it (Dispatch's threads still block them).
    public static func unblockStopSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    private static func listen(_ sig: Int32, _ handler: @escaping @Sendable () -> Void) {
        let first = handlers.withLock { table -> Bool in
            table[sig, default: []].append(handler)
            return table[sig]?.count == 1
        }
        guard first, let fd = SignalPipe.shared.writeEnd else { return }
        signalPipeWriteEnd = fd
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { number in SignalTrap.handle(number) }
        #elseif canImport(Darwin)
        action.__sigaction_u.__sa_handler = { number in SignalTrap.handle(number) }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = Int32(SA_RESTART)
        sigaction(sig, &action, nil)
    }

    /// The signal handler: one `write` of the signal's number (async-signal-safe), nothing else.
    private static func handle(_ number: Int32) {
        var byte = UInt8(truncatingIfNeeded: number)
        let saved = errno
        _ = write(signalPipeWriteEnd, &byte, 1)
        errno = saved
    }

    /// What each signal calls, in the order installed.
    fileprivate static let handlers = Mutex<[Int32: [@Sendable () -> Void]]>([:])
}

/// The write end of the signal pipe, for the handler (which can capture nothing); set before any handler is installed.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The pipe from the signal handler to the thread that calls the installed handlers; made once.
private final class SignalPipe: Sendable {
    static let shared = SignalPipe()

    /// Nil when no pipe could be made (then no handler is installed, and the signal keeps its default action).
    let writeEnd: Int32?

    private init() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            writeEnd = nil
            return
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // The handler never blocks: a full pipe (signals far faster than they are read) drops the byte.
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        writeEnd = fds[1]
        let readEnd = fds[0]
        // A thread of its own: a blocking read here never holds a thread of the cooperative pool or of Dispatch.
        let thread = Thread {
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n < 0, errno == EINTR { continue }
                guard n == 1 else { return }
                let sig = Int32(byte)
                for handler in SignalTrap.handlers.withLock({ $0[sig] ?? [] }) { handler() }
            }
        }
        thread.name = "droprun-signals"
        thread.start()
    }
}
