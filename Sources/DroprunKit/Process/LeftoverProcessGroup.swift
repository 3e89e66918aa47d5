#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ends the process group of a child that a dead runner left running, so a step never runs twice at once.
///
/// The group is the one the record names only while its leader is absent or
/// is the recorded process (same start time): a process id, and so a group
/// id, is not reused while any member of the group lives, so members found
/// with the leader gone are the child's own.
enum LeftoverProcessGroup {
    /// What became of the group.
    enum Outcome: Equatable, Sendable {
        /// Nothing of it was running.
        case gone
        /// It ended after this signal.
        case ended(signal: Int32)
        /// It ran on another machine (or in another pid namespace): out of reach.
        case elsewhere
        /// It could not be ended (`errno` of `kill`, or `ETIMEDOUT` when it outlived SIGKILL).
        case notEnded(code: Int32)
    }

    /// How long it may take the kernel to take down a group after SIGKILL.
    static let killWait: Duration = .seconds(10)
    static let pollInterval: Duration = .milliseconds(20)

    /// SIGTERM to the group, `grace` to end, then SIGKILL; returns once nothing of it runs (or it cannot be ended).
    static func end(_ identity: ProcessIdentity, grace: Duration, clock: any RunnerClock) async -> Outcome {
        guard identity.isOnThisMachine else { return .elsewhere }
        guard isRunning(identity) else { return .gone }
        for (signal, wait) in [(SIGTERM, grace), (SIGKILL, killWait)] {
            if kill(-identity.group, signal) != 0, errno != ESRCH { return .notEnded(code: errno) }
            var waited: Duration = .zero
            while isRunning(identity) {
                guard waited < wait else { break }
                do { try await clock.sleep(for: pollInterval) } catch { break }
                waited += pollInterval
            }
            if !isRunning(identity) { return .ended(signal: signal) }
        }
        return .notEnded(code: ETIMEDOUT)
    }

    /// True while a member of the recorded group runs.
    static func isRunning(_ identity: ProcessIdentity) -> Bool {
        #if os(Linux)
        if let leader = ProcessTable.entry(identity.group), identity.group == identity.pid,
            let recorded = identity.startTime, leader.startTime != recorded {
            return false  // the number was reused: another process, another group
        }
        return ProcessTable.groupHasLiveMembers(identity.group)
        #else
        return kill(-identity.group, 0) == 0 || errno == EPERM
        #endif
    }
}

extension LeftoverProcessGroup.Outcome {
    /// As the `run.recovered` event says it.
    var word: String {
        switch self {
        case .gone: "gone"
        case .ended(let signal): signal == SIGKILL ? "killed" : "terminated"
        case .elsewhere: "elsewhere"
        case .notEnded: "not_ended"
        }
    }
}
