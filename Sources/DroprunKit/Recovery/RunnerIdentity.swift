/// Who a runner is: host name and process id.
public struct RunnerIdentity: Sendable, Equatable {
    /// The machine's host name.
    public var host: String
    /// The process id.
    public var pid: Int32
    /// Tells two processes with the same host and process id apart (a container's PID 1 restarted):
    /// `i` and a few random letters; empty in tests.
    public var instance: String

    public init(host: String, pid: Int32, instance: String = "") {
        self.host = host
        self.pid = pid
        self.instance = instance
    }

    /// A fresh instance tag: `i` and eight random base-36 digits.
    public static func newInstance() -> String {
        "i" + String(UInt64.random(in: 0..<2_821_109_907_456), radix: 36)
    }

    /// `host:pid`, as the audit log's `actor` and records' `runner` name it.
    public var actor: String { "\(host):\(pid)" }

    /// The host name with anything unsafe for a file name replaced.
    public var safeHost: String {
        let safe = String(host.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
        return safe.isEmpty ? "host" : safe
    }

    /// `host-pid-instance` with anything unsafe for a file name replaced: names this runner's heartbeat, claim folder and audit file.
    public var folderName: String { instance.isEmpty ? "\(safeHost)-\(pid)" : "\(safeHost)-\(pid)-\(instance)" }

    /// Reads `host:pid` back.
    public init?(actor: String) {
        guard let colon = actor.lastIndex(of: ":"), let pid = Int32(actor[actor.index(after: colon)...]) else { return nil }
        self.init(host: String(actor[..<colon]), pid: pid)
    }
}
