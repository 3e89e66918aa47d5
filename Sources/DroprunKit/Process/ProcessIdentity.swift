/// Who a child process is, precisely enough for another runner to find it again after this one died.
///
/// A process id alone is reused; with the kernel's start time of the process
/// (`/proc/<pid>/stat`, in clock ticks since boot), the boot it belongs to
/// and its pid namespace, a later runner on the same host can tell the
/// leftover child from a stranger that got the same number.
public struct ProcessIdentity: Sendable, Equatable {
    /// The child's process id.
    public var pid: Int32
    /// Its process group (the child leads its own: the group is signalled as one).
    public var group: Int32
    /// When the kernel started it, in clock ticks since boot (`/proc/<pid>/stat` field 22); nil where there is no `/proc`.
    public var startTime: UInt64?
    /// The host name of the runner that started it.
    public var host: String
    /// The kernel's boot id (`/proc/sys/kernel/random/boot_id`): a pid from before a reboot is never taken for one after.
    public var bootId: String?
    /// The pid namespace (`/proc/self/ns/pid`): the same pid in another container is another process.
    public var pidNamespace: String?

    public init(pid: Int32, group: Int32, startTime: UInt64?, host: String, bootId: String?, pidNamespace: String?) {
        self.pid = pid
        self.group = group
        self.startTime = startTime
        self.host = host
        self.bootId = bootId
        self.pidNamespace = pidNamespace
    }

    /// The identity of `pid`, leading its own group, started on this host just now.
    public static func ofChild(_ pid: Int32) -> ProcessIdentity {
        ProcessIdentity(
            pid: pid, group: pid, startTime: ProcessTable.entry(pid)?.startTime, host: ProcessTable.hostName,
            bootId: ProcessTable.bootId, pidNamespace: ProcessTable.pidNamespace)
    }

    /// True when this runner can see and signal the process: the same host, boot and pid namespace.
    public var isOnThisMachine: Bool {
        host == ProcessTable.hostName && bootId == ProcessTable.bootId && pidNamespace == ProcessTable.pidNamespace
    }

    /// As records write it (the step's `process` while an attempt runs).
    public var json: JSONValue {
        var o: [String: JSONValue] = ["pid": .int(Int(pid)), "group": .int(Int(group)), "host": .string(host)]
        if let startTime { o["startTime"] = .int(Int(startTime)) }
        if let bootId { o["bootId"] = .string(bootId) }
        if let pidNamespace { o["pidNamespace"] = .string(pidNamespace) }
        return .object(o)
    }

    /// Reads it back from a record; nil for one droprun never wrote: the child leads its own group, never 0 or 1.
    public init?(json: JSONValue) {
        guard let pid = json["pid"]?.intValue, let group = json["group"]?.intValue, let host = json["host"]?.stringValue,
            let pid32 = Int32(exactly: pid), let group32 = Int32(exactly: group), pid32 > 1, group32 == pid32
        else { return nil }
        self.init(
            pid: pid32, group: group32, startTime: json["startTime"]?.intValue.flatMap { UInt64(exactly: $0) }, host: host,
            bootId: json["bootId"]?.stringValue, pidNamespace: json["pidNamespace"]?.stringValue)
    }
}
