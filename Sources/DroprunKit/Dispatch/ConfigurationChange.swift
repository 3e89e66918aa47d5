/// One setting that differs between two configurations, named by its key in `droprun.json`.
struct ConfigurationChange: Sendable, Equatable, CustomStringConvertible {
    /// The key, as in the file: `concurrency`, `defaults.stepTimeoutMs`, `providers.exec.commands.convert`.
    var key: String
    /// The old value as written in the line (`none` when unset); nil for an entry that was added.
    var old: String?
    /// The new value; nil for an entry that was removed.
    var new: String?

    var description: String {
        switch (old, new) {
        case (nil, _): "\(key) added"
        case (_, nil): "\(key) removed"
        case (let old?, let new?) where old == new: "\(key) changed"
        case (let old?, let new?): "\(key) \(old) -> \(new)"
        }
    }

    /// True for a key a running process cannot change: it is kept until a restart.
    ///
    /// `durability` sets how the audit chain, the checkpoint log and the
    /// records already open are flushed; `leaseSeconds` is what other runners
    /// judge this one's heartbeat by, and its renewal is paced by it;
    /// `audit.segmentBytes` belongs to the chain this runner has open; and
    /// `logFormat` is what a log shipper reading this process's stream parses,
    /// which must not switch in the middle of it.
    var needsRestart: Bool { Self.restartOnly.contains(key) }

    /// The keys that need a restart (see `needsRestart`).
    static let restartOnly: Set<String> = ["durability", "leaseSeconds", "audit.segmentBytes", "logFormat"]

    /// `configuration` with the keys that need a restart taken from `running`.
    static func keepingRestartOnly(_ configuration: Configuration, from running: Configuration) -> Configuration {
        var kept = configuration
        kept.durability = running.durability
        kept.leaseSeconds = running.leaseSeconds
        kept.auditSegmentBytes = running.auditSegmentBytes
        kept.logFormat = running.logFormat
        return kept
    }

    /// Every setting that differs from `old` to `new`, in the order of the README's table.
    static func between(_ old: Configuration, _ new: Configuration) -> [ConfigurationChange] {
        var changes: [ConfigurationChange] = []
        for (key, value) in scalars {
            let (a, b) = (value(old), value(new))
            if a != b { changes.append(ConfigurationChange(key: key, old: a, new: b)) }
        }
        changes += entries("providers.llm.models", old.llmModels, new.llmModels)
        changes += entries("providers.exec.commands", old.execCommands, new.execCommands)
        changes += entries("providers.http.endpoints", old.httpEndpoints, new.httpEndpoints)
        return changes
    }

    /// The values of one key each, as written in a line.
    ///
    /// Every member of `Configuration` but the maps (compared entry by
    /// entry) is here: `ConfigurationChangeTests` walks the type's members and
    /// fails on one that no change names.
    private static let scalars: [(String, @Sendable (Configuration) -> String)] = [
        ("concurrency", { "\($0.concurrency)" }),
        ("pollIntervalMs", { "\($0.pollIntervalMs)" }),
        ("settleMs", { "\($0.settleMs)" }),
        ("maxRequestBytes", { "\($0.maxRequestBytes)" }),
        ("durability", { $0.durability.rawValue }),
        ("leaseSeconds", { "\($0.leaseSeconds)" }),
        ("workflows", { $0.workflowsFolder }),
        ("defaults.stepTimeoutMs", { "\($0.stepTimeoutMs)" }),
        ("defaults.runTimeoutSeconds", { "\($0.runTimeoutSeconds)" }),
        ("defaults.maxParallelSteps", { "\($0.maxParallelSteps)" }),
        ("retention.runsDays", { days($0.retention.runsDays) }),
        ("retention.rejectedDays", { days($0.retention.rejectedDays) }),
        ("retention.dedupeDays", { days($0.retention.dedupeDays) }),
        ("retention.auditDays", { days($0.retention.auditDays) }),
        ("audit.segmentBytes", { "\($0.auditSegmentBytes)" }),
        ("health.maxQueueAgeSeconds", { "\($0.health.maxQueueAgeSeconds)" }),
        ("health.stallSeconds", { "\($0.health.stallSeconds)" }),
        ("health.maxApprovalWaitSeconds", { $0.health.maxApprovalWaitSeconds.map { "\($0)" } ?? "none" }),
        ("health.requireRunner", { "\($0.health.requireRunner)" }),
        ("metricsFile", { $0.metrics.file ?? "null" }),
        ("metricsIntervalSeconds", { "\($0.metrics.intervalSeconds)" }),
        ("logFormat", { $0.logFormat.rawValue }),
        (
            "notifications",
            {
                $0.notifications.map {
                    "\($0.endpoint) \($0.path) \($0.on.map(\.rawValue).joined(separator: ",")) \($0.maxAttempts)x \($0.backoffMs) ms"
                }
                    ?? "none"
            }
        ),
    ]

    private static func days(_ value: Double?) -> String {
        value.map { JSONWriter.compact(.double($0)) } ?? "none"
    }

    /// Entries of a map (models, exec aliases) added, removed or changed, by name.
    private static func entries<T: Equatable>(_ key: String, _ old: [String: T], _ new: [String: T]) -> [ConfigurationChange] {
        Set(old.keys).union(new.keys).sorted().compactMap { name in
            switch (old[name], new[name]) {
            case (nil, _): ConfigurationChange(key: "\(key).\(name)", old: nil, new: "")
            case (_, nil): ConfigurationChange(key: "\(key).\(name)", old: "", new: nil)
            case (let a?, let b?) where a != b: ConfigurationChange(key: "\(key).\(name)", old: "", new: "")
            default: nil
            }
        }
    }
}
