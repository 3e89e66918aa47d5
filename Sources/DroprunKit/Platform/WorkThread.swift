import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A thread of its own for blocking work (`syncfs`, `unlink`), done one job at a time in the order asked.
///
/// On Linux, Dispatch's queues (private ones too) run on the worker threads
/// that Swift concurrency shares: a blocking call there holds a thread the
/// runner's timers and heartbeats need. The thread is started when work
/// arrives and ends once there is none left, so an idle runner holds none.
final class WorkThread: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var next = 0
        var running = false
    }

    private let name: String
    private let state = Mutex(State())

    /// `name` is also the thread's name for the kernel on Linux (`top -H`, `/proc/<pid>/task/<tid>/comm`): 15 bytes at most.
    init(name: String) { self.name = name }

    /// Runs `job` on the work thread, after every job submitted before it.
    func submit(_ job: @escaping @Sendable () -> Void) {
        let start = state.withLock { state -> Bool in
            state.jobs.append(job)
            guard !state.running else { return false }
            state.running = true
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in drain() }
        thread.name = name
        thread.stackSize = 256 << 10
        thread.start()
    }

    private func drain() {
        #if os(Linux)
        // Foundation does not name the thread for the kernel on Linux; it would keep its creator's name.
        name.withCString { pointer in _ = Prctl.function?(Prctl.setName, UInt(bitPattern: pointer), 0, 0, 0) }
        #endif
        while let job = state.withLock({ state -> (@Sendable () -> Void)? in
            guard state.next < state.jobs.count else {
                state.jobs = []
                state.next = 0
                state.running = false
                return nil
            }
            defer { state.next += 1 }
            return state.jobs[state.next]
        }) {
            job()
        }
    }
}
