import Foundation

/// Decides whether the runner that owns a claim folder or a record is gone.
public struct Liveness: Sendable {
    let layout: RootLayout
    let fileSystem: any FileSystem
    let identity: RunnerIdentity
    let leaseSeconds: Int
    let clock: any RunnerClock
    let isProcessAlive: @Sendable (Int32) -> Bool

    /// True when the runner named `folderName` (`host-pid`) holds no live lease.
    ///
    /// Dead means: no heartbeat; or a heartbeat older than `leaseSeconds`; or,
    /// for a runner on this host, a process id that no longer exists (so a
    /// restart after `kill -9` resumes at once instead of after the lease).
    public func isDead(_ folderName: String) -> Bool {
        if folderName == identity.folderName { return false }
        let heartbeat = layout.heartbeat(folderName)
        guard let info = try? fileSystem.info(heartbeat) else { return true }
        if clock.now().timeIntervalSince(info.modified) > Double(leaseSeconds) { return true }
        if let (host, pid) = Self.split(folderName), host == identity.safeHost, !isProcessAlive(pid) || pid == identity.pid {
            return true
        }
        return false
    }

    /// True when the runner named `folderName` has a heartbeat file (`isDead` counts the asking process as alive).
    func hasHeartbeat(_ folderName: String) -> Bool {
        fileSystem.exists(layout.heartbeat(folderName))
    }

    /// Removes a dead runner's heartbeat, so that runner, if it wakes, knows it lost its runs.
    public func bury(_ folderName: String) {
        try? fileSystem.remove(layout.heartbeat(folderName))
    }

    /// Host and process id from `host-pid` or `host-pid-iXXXX`.
    static func split(_ folderName: String) -> (host: String, pid: Int32)? {
        var parts = folderName.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        if let last = parts.last, last.hasPrefix("i"), Int32(last) == nil, parts.count >= 3 { parts.removeLast() }
        guard parts.count >= 2, let pid = Int32(parts[parts.count - 1]) else { return nil }
        return (parts.dropLast().joined(separator: "-"), pid)
    }
}
