import Foundation

/// What `HealthCheck` found: the problems, and the figures it judged them by.
public struct HealthReport: Sendable {
    /// When the check looked.
    public var checkedAt: Date
    /// The root as it was then.
    public var snapshot: RootSnapshot
    /// True when the audit chains were verified too.
    public var deep: Bool
    /// Everything wrong, in the order of `HealthProblem.Kind`'s cases' checks.
    public var problems: [HealthProblem] = []
    /// Waiting approvals that are a problem (expired and not failed, or waiting longer than allowed).
    public var approvalsOverdue = 0

    public init(checkedAt: Date, snapshot: RootSnapshot, deep: Bool) {
        self.checkedAt = checkedAt
        self.snapshot = snapshot
        self.deep = deep
    }

    /// True when nothing is wrong.
    public var isHealthy: Bool { problems.isEmpty }

    /// The age of the oldest drop in the inbox, in whole seconds.
    public var oldestDropAgeSeconds: Int? { snapshot.oldestDropAt.map { HealthCheck.seconds(checkedAt.timeIntervalSince($0)) } }
    /// The age of the oldest drop claimed and not admitted yet, in whole seconds.
    public var oldestClaimedAgeSeconds: Int? { snapshot.oldestClaimedAt.map { HealthCheck.seconds(checkedAt.timeIntervalSince($0)) } }

    /// One line for a healthy root: `healthy: 1 live runner (...), inbox 0, 2 running, 1 waiting for approval`.
    public var summary: String {
        let live = snapshot.runners.filter(\.isLive)
        var parts: [String] = []
        if live.isEmpty {
            parts.append("no live runner (health.requireRunner is false)")
        } else {
            let names = live.map { runner -> String in
                guard let progress = runner.progress else { return runner.folderName }
                return "\(runner.folderName), last progress \(HealthCheck.age(checkedAt.timeIntervalSince(progress.lastProgressAt))) ago"
            }
            parts.append("\(live.count) live runner\(live.count == 1 ? "" : "s") (\(names.joined(separator: "; ")))")
        }
        var inbox = "inbox \(snapshot.inboxDepth)"
        if let age = oldestDropAgeSeconds { inbox += " (oldest \(HealthCheck.age(Double(age))))" }
        parts.append(inbox)
        if snapshot.claimedDepth > 0 {
            parts.append(
                "\(snapshot.claimedDepth) claimed not started" + (oldestClaimedAgeSeconds.map { " (oldest \(HealthCheck.age(Double($0))))" } ?? ""))
        }
        parts.append("\(snapshot.running) running")
        parts.append("\(snapshot.waiting.count) waiting for approval")
        if deep { parts.append("audit chains intact") }
        return "healthy: " + parts.joined(separator: ", ")
    }

    /// As `health --json` prints it.
    public var json: JSONValue {
        let runners: [JSONValue] = snapshot.runners.map { runner in
            var members: [String: JSONValue] = [
                "runner": .string(runner.folderName), "live": .bool(runner.isLive), "renewedAt": .string(Timestamp.format(runner.renewedAt)),
                "heartbeatAgeSeconds": .int(HealthCheck.seconds(checkedAt.timeIntervalSince(runner.renewedAt))), "runs": .int(runner.runs),
                "mode": runner.mode.map(JSONValue.string) ?? .null,
                "startedAt": runner.startedAt.map { .string(Timestamp.format($0)) } ?? .null,
                "lastProgressAt": .null, "lastProgressAgeSeconds": .null, "claimed": .null, "finished": .null,
            ]
            if let progress = runner.progress {
                members["lastProgressAt"] = .string(Timestamp.format(progress.lastProgressAt))
                members["lastProgressAgeSeconds"] = .int(HealthCheck.seconds(checkedAt.timeIntervalSince(progress.lastProgressAt)))
                members["claimed"] = .int(progress.claimed)
                members["finished"] = .int(progress.finished)
            }
            return .object(members)
        }
        return [
            "healthy": .bool(isHealthy), "checkedAt": .string(Timestamp.format(checkedAt)), "deep": .bool(deep),
            "problems": .array(problems.map(\.json)), "runners": .array(runners),
            "inbox": ["depth": .int(snapshot.inboxDepth), "oldestAgeSeconds": oldestDropAgeSeconds.map(JSONValue.int) ?? .null],
            "claimed": ["depth": .int(snapshot.claimedDepth), "oldestAgeSeconds": oldestClaimedAgeSeconds.map(JSONValue.int) ?? .null],
            "approvals": ["waiting": .int(snapshot.waiting.count), "overdue": .int(approvalsOverdue)],
            "running": .int(snapshot.running),
        ]
    }
}
