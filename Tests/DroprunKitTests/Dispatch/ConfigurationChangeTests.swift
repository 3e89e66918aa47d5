import Testing

@testable import DroprunKit

/// A reload names every setting that changed: each member of `Configuration`, none forgotten.
@Suite struct ConfigurationChangeTests {
    /// One change per member of `Configuration` (by its Swift path), and the key the reload line must name.
    static let changes: [(member: String, key: String, change: @Sendable (inout Configuration) -> Void)] = [
        ("concurrency", "concurrency", { $0.concurrency += 1 }),
        ("pollIntervalMs", "pollIntervalMs", { $0.pollIntervalMs += 1 }),
        ("settleMs", "settleMs", { $0.settleMs += 1 }),
        ("maxRequestBytes", "maxRequestBytes", { $0.maxRequestBytes += 1 }),
        ("durability", "durability", { $0.durability = .fast }),
        ("leaseSeconds", "leaseSeconds", { $0.leaseSeconds += 1 }),
        ("stepTimeoutMs", "defaults.stepTimeoutMs", { $0.stepTimeoutMs += 1 }),
        ("runTimeoutSeconds", "defaults.runTimeoutSeconds", { $0.runTimeoutSeconds += 1 }),
        ("workflowsFolder", "workflows", { $0.workflowsFolder = "flows" }),
        ("llmModels", "providers.llm.models.fast", { $0.llmModels["fast"] = LLMModelSettings(latencyMs: 5) }),
        ("execCommands", "providers.exec.commands.convert", { $0.execCommands["convert"] = ExecCommandSettings(path: "/bin/true") }),
        ("retention.runsDays", "retention.runsDays", { $0.retention.runsDays = 30 }),
        ("retention.rejectedDays", "retention.rejectedDays", { $0.retention.rejectedDays = 7 }),
        ("retention.dedupeDays", "retention.dedupeDays", { $0.retention.dedupeDays = 90 }),
        ("retention.auditDays", "retention.auditDays", { $0.retention.auditDays = 365 }),
        ("auditSegmentBytes", "audit.segmentBytes", { $0.auditSegmentBytes += 1 }),
        ("health.maxQueueAgeSeconds", "health.maxQueueAgeSeconds", { $0.health.maxQueueAgeSeconds += 1 }),
        ("health.stallSeconds", "health.stallSeconds", { $0.health.stallSeconds += 1 }),
        ("health.maxApprovalWaitSeconds", "health.maxApprovalWaitSeconds", { $0.health.maxApprovalWaitSeconds = 600 }),
        ("health.requireRunner", "health.requireRunner", { $0.health.requireRunner = false }),
        ("metrics.file", "metricsFile", { $0.metrics.file = nil }),
        ("metrics.intervalSeconds", "metricsIntervalSeconds", { $0.metrics.intervalSeconds += 1 }),
        ("logFormat", "logFormat", { $0.logFormat = .json }),
        ("maxParallelSteps", "defaults.maxParallelSteps", { $0.maxParallelSteps += 1 }),
        ("httpEndpoints", "providers.http.endpoints.crm", { $0.httpEndpoints["crm"] = HTTPEndpointSettings(baseURL: "http://127.0.0.1:1") }),
        ("notifications", "notifications", { $0.notifications = NotificationSettings(endpoint: "hooks") }),
    ]

    /// Every stored member of `value`, by path; the settings blocks (structs with members) are walked into.
    static func members(of value: Any, prefix: String = "") -> [String] {
        Mirror(reflecting: value).children.flatMap { child -> [String] in
            let path = prefix + (child.label ?? "?")
            let mirror = Mirror(reflecting: child.value)
            guard mirror.displayStyle == .struct, !mirror.children.isEmpty else { return [path] }
            return members(of: child.value, prefix: path + ".")
        }
    }

    @Test func theTableCoversEveryMemberOfConfiguration() {
        // A member added to Configuration (or a settings block) fails here until the comparison and this table name it.
        #expect(Self.members(of: Configuration()).sorted() == Self.changes.map(\.member).sorted())
    }

    @Test(arguments: changes.indices)
    func aChangeOfOneMemberIsNamed(index: Int) {
        let (member, key, change) = Self.changes[index]
        var new = Configuration()
        change(&new)
        #expect(new != Configuration(), "\(member): the change changed nothing")
        let changes = ConfigurationChange.between(Configuration(), new)
        #expect(changes.map(\.key) == [key], "\(member): \(changes)")
    }

    @Test func theHealthKeysSayTheirValues() {
        var new = Configuration()
        new.health.maxApprovalWaitSeconds = 600
        new.health.requireRunner = false
        #expect(
            ConfigurationChange.between(Configuration(), new).map(\.description) == [
                "health.maxApprovalWaitSeconds none -> 600", "health.requireRunner true -> false",
            ])
    }
}
