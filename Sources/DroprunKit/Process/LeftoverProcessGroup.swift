#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ends the process group of a child that a dead runner left running, so a step never runs twice at once.
///
/// A record is a file anyone with write access to the root can edit, so what
/// it names is checked before anything is signalled: the group must be led by
/// the recorded process (`group == pid`), never group 0 or 1, nor this
/// runner's own group or session. On Linux the recorded start time and boot
/// id are required: a group is signalled only while its leader is the
/// recorded process (same start time, held by a pidfd across the check and
/// the signal where the kernel has `pidfd_open`), or, with the leader gone,
/// while every member started after it (a process id, and so a group id, is
/// not reused while any member of the group lives). What cannot be checked is
/// never signalled. Elsewhere (no `/proc`) the group is signalled while it has
/// members, as `kill(-group, 0)` sees them.
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
        /// Something runs in the group, but it cannot be told to be the recorded child (no start time or boot id
        /// recorded, or no `/proc`): nothing was signalled.
        case unchecked
        /// The record names a group droprun never signals (0, 1, not led by the recorded process, or the runner's own).
        case refused
    }

    /// How long it may take the kernel to take down a group after SIGKILL.
    static let killWait: Duration = .seconds(10)
    static let pollInterval: Duration = .milliseconds(20)

    /// SIGTERM to the group, `grace` to end, then SIGKILL; returns once nothing of it runs (or it cannot be ended).
    static func end(_ identity: ProcessIdentity, grace: Duration, clock: any RunnerClock) async -> Outcome {
        guard isSignallable(identity) else { return .refused }
        guard identity.isOnThisMachine else { return .elsewhere }
        var leader = Leader(identity)
        defer { leader.close() }
        switch leader.check() {
        case .gone: return .gone
        case .unchecked: return .unchecked
        case .ours: break
        }
        for (signal, wait) in [(SIGTERM, grace), (SIGKILL, killWait)] {
            // Checked again just before the signal: the group may have ended (and its number been reused) meanwhile.
            switch leader.check() {
            case .gone: return signal == SIGTERM ? .gone : .ended(signal: SIGTERM)
            case .unchecked: return .unchecked
            case .ours: break
            }
            if kill(-identity.group, signal) != 0, errno != ESRCH { return .notEnded(code: errno) }
            var waited: Duration = .zero
            while leader.check() != .gone {
                guard waited < wait else { break }
                do { try await clock.sleep(for: pollInterval) } catch { break }
                waited += pollInterval
            }
            if leader.check() == .gone { return .ended(signal: signal) }
        }
        return .notEnded(code: ETIMEDOUT)
    }

    /// False for a group droprun must never signal, whatever a record says.
    static func isSignallable(_ identity: ProcessIdentity) -> Bool {
        identity.group > 1 && identity.group == identity.pid && identity.group != getpgrp() && identity.group != getsid(0)
            && identity.pid != getpid()
    }

    /// True while something of the recorded group runs and can be told to be the recorded child's.
    static func isRunning(_ identity: ProcessIdentity) -> Bool {
        guard isSignallable(identity) else { return false }
        var leader = Leader(identity)
        defer { leader.close() }
        return leader.check() == .ours
    }

    /// The recorded group's leader, held (where the kernel allows) by a pidfd from the first check on.
    struct Leader {
        enum State: Equatable { case gone, ours, unchecked }

        let identity: ProcessIdentity
        /// A pidfd of the leader, once it was found to be the recorded process; -1 when none.
        private var pidfd: Int32 = -1

        init(_ identity: ProcessIdentity) { self.identity = identity }

        mutating func close() {
            if pidfd >= 0 { _ = closeDescriptor(pidfd) }
            pidfd = -1
        }

        /// What runs in the group now.
        mutating func check() -> State {
            #if os(Linux)
            guard ProcessTable.entry(getpid()) != nil else { return fallback() }
            guard let recorded = identity.startTime, let boot = identity.bootId, boot == ProcessTable.bootId else {
                return ProcessTable.groupHasLiveMembers(identity.group) ? .unchecked : .gone
            }
            if pidfd >= 0 {
                // The pidfd names the very process found to be the recorded leader: while it answers, the group is its.
                if Pidfd.isAlive(pidfd), let entry = ProcessTable.entry(identity.pid), entry.state != "Z" { return .ours }
                close()
            } else if let fd = Pidfd.open(identity.pid) {
                // Opened first, then checked: the pidfd holds the process whose start time is read after.
                if let entry = ProcessTable.entry(identity.pid), entry.startTime == recorded, Pidfd.isAlive(fd), entry.state != "Z" {
                    pidfd = fd
                    return .ours
                }
                _ = closeDescriptor(fd)
            } else if let entry = ProcessTable.entry(identity.pid), entry.startTime == recorded, entry.state != "Z" {
                return .ours
            }
            if let entry = ProcessTable.entry(identity.pid), entry.state != "Z", entry.startTime != recorded {
                // The number was reused by another process: its group, if it leads one, is not the child's.
                return entry.group == identity.group ? .gone : membersStartedAfter(recorded)
            }
            return membersStartedAfter(recorded)
            #else
            return fallback()
            #endif
        }

        /// With the leader gone: the group's members are the child's when every one of them started after it.
        private func membersStartedAfter(_ recorded: UInt64) -> State {
            let members = ProcessTable.groupMembers(identity.group).compactMap(ProcessTable.entry).filter { $0.state != "Z" }
            if members.isEmpty { return .gone }
            return members.allSatisfy { $0.startTime >= recorded } ? .ours : .unchecked
        }

        /// Without `/proc`: what `kill(-group, 0)` sees.
        private func fallback() -> State {
            #if os(Linux)
            // Linux without /proc: nothing can be checked.
            return kill(-identity.group, 0) == 0 || errno == EPERM ? .unchecked : .gone
            #else
            return kill(-identity.group, 0) == 0 || errno == EPERM ? .ours : .gone
            #endif
        }
    }
}

/// `close(2)`, under a name that a method called `close` does not hide.
@inline(__always) func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }

extension LeftoverProcessGroup.Outcome {
    /// As the `run.recovered` event says it.
    var word: String {
        switch self {
        case .gone: "gone"
        case .ended(let signal): signal == SIGKILL ? "killed" : "terminated"
        case .elsewhere: "elsewhere"
        case .notEnded: "not_ended"
        case .unchecked: "not_checked"
        case .refused: "refused"
        }
    }

    /// True when the recorded child may still run here: the step must not start again.
    var mayStillRun: Bool {
        switch self {
        case .notEnded, .unchecked: true
        case .gone, .ended, .elsewhere, .refused: false
        }
    }
}
