import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process whose end is waited for on a thread of its own, killed past a time or memory limit.
///
/// The time runs from the spawn to the moment the child exits (`waitid` with
/// `WNOWAIT`, so the exit is seen before the child is reaped and its pid
/// cannot be reused while the watchdog might still signal it); the resource
/// usage comes from `wait4` as elsewhere in the benchmark (`ru_maxrss` is
/// the peak resident size). Two children can run at once, each with its own
/// exit time. The watchdog reads `/proc/<pid>/statm` every 10 ms.
final class WatchedChild: Sendable {
    /// Why the watchdog ended a child.
    enum Limit: Sendable, Equatable {
        case time(Double)
        case memory(Double)
    }

    struct Outcome: Sendable {
        var seconds: Double
        /// The wait status.
        var status: Int32
        var usage: rusage
        var limit: Limit?

        /// This benchmark's own resident size when it started the child: a peak at this figure means "at most this".
        var floorMB: Double

        var exitCode: Int32? { status & 0x7F == 0 ? (status >> 8) & 0xFF : nil }
        var peakMB: Double { Double(usage.ru_maxrss) / 1024 }
    }

    private struct State {
        var exiting = false
        var limit: Limit?
        var outcome: Outcome?
    }

    let pid: pid_t
    private let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)

    /// Starts `argv` with its output to `stdout` and `stderr` (paths; /dev/null when nil).
    init(_ argv: [String], stdout: String?, stderr: String?, timeoutSeconds: Double, memoryLimitMB: Double) throws {
        let floorMB = Self.resetOwnPeak()
        pid = try Child.start(argv, stdout: stdout ?? "/dev/null", stderr: stderr ?? "/dev/null").pid
        let start = ContinuousClock.now
        let pid = pid
        let waiter = Thread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            let seconds = (ContinuousClock.now - start).seconds
            self.state.withLock { $0.exiting = true }
            var status: Int32 = 0
            var usage = rusage()
            while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
            self.state.withLock { $0.outcome = Outcome(seconds: seconds, status: status, usage: usage, limit: $0.limit, floorMB: floorMB) }
            self.done.signal()
        }
        waiter.start()
        let pageKB = Double(sysconf(Int32(_SC_PAGESIZE))) / 1024
        let watchdog = Thread { [self] in
            while true {
                usleep(10_000)
                let residentMB = Self.residentPages(pid).map { Double($0) * pageKB / 1024 } ?? 0
                let elapsed = (ContinuousClock.now - start).seconds
                let stop = self.state.withLock { state -> Bool in
                    if state.exiting { return true }
                    if elapsed > timeoutSeconds {
                        state.limit = .time(timeoutSeconds)
                    } else if residentMB > memoryLimitMB {
                        state.limit = .memory(memoryLimitMB)
                    } else {
                        return false
                    }
                    // Under the lock and before the waiter has seen the exit: the pid is still this child's.
                    kill(pid, SIGKILL)
                    return true
                }
                if stop { return }
            }
        }
        watchdog.start()
    }

    /// Waits for the child's end.
    func wait() -> Outcome {
        done.wait()
        done.signal()
        return state.withLock { $0.outcome } ?? Outcome(seconds: 0, status: -1, usage: rusage(), limit: nil, floorMB: 0)
    }

    /// Resets this process's peak resident size to its current size (`/proc/self/clear_refs`, Linux 4.0 and later); returns it in MB.
    ///
    /// `posix_spawn` starts the child in this process's memory (`vfork`), and
    /// Linux carries the peak of that memory into the child's `ru_maxrss` at
    /// its `exec`: without the reset, every child would report at least the
    /// largest this benchmark ever was (the generator's buffers). After it, a
    /// child reports at least this process's current size, which is below
    /// every target (about 20 MB against droprun's own 21 MB for `status`).
    static func resetOwnPeak() -> Double {
        let fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = write(fd, "5", 1)
            close(fd)
        }
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kb / 1024
    }

    private static func residentPages(_ pid: pid_t) -> Int? {
        let fd = open("/proc/\(pid)/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        let fields = buffer[0..<n].split(separator: UInt8(ascii: " "))
        guard fields.count > 1 else { return nil }
        return Int(String(decoding: fields[1], as: UTF8.self))
    }
}

extension Duration {
    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
}
