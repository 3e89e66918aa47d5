import Foundation

extension HistoryStats {
    /// As `stats --json` prints it; keys documented in docs/history.md ("droprun stats").
    public var json: JSONValue {
        [
            "since": .string(Timestamp.format(since)), "until": .string(Timestamp.format(until)), "takenAt": .string(Timestamp.format(takenAt)),
            "source": .string(source.rawValue), "runs": runs.json, "runsPerMinute": .double((runsPerMinute * 1000).rounded() / 1000),
            "lastHour": ["from": .string(Timestamp.format(lastHour.from)), "runsPerMinute": .array(lastHour.runs.map(JSONValue.int))],
            "workflows": .object(JSONObject(workflows.mapValues { ["runs": $0.runs.json, "durationMs": $0.durationMs?.json ?? .null] })),
            "tenants": .object(JSONObject(tenants.mapValues(\.json))), "withoutTenant": withoutTenant.json,
            "providers": .object(
                JSONObject(
                    providers.mapValues {
                        ["steps": .int($0.steps), "failed": .int($0.failed), "retries": .int($0.retries), "durationMs": $0.durationMs?.json ?? .null]
                    })),
            "runsWithoutSteps": .int(runsWithoutSteps),
            "rejections": .object(JSONObject(rejections.mapValues(JSONValue.int))), "rejected": .int(rejected),
            "approvals": [
                "waiting": .int(approvals.waiting), "oldestAgeSeconds": Self.seconds(approvals.oldestAgeSeconds), "overdue": .int(approvals.overdue),
            ],
            "inbox": ["depth": .int(inbox.depth), "oldestAgeSeconds": Self.seconds(inbox.oldestAgeSeconds)],
            "claimed": ["depth": .int(claimed.depth), "oldestAgeSeconds": Self.seconds(claimed.oldestAgeSeconds)],
            "unreadable": [
                "indexLines": .int(unreadable.indexLines),
                "indexFiles": .array(unreadable.indexFiles.map { ["path": .string($0.path), "reason": .string($0.reason)] }),
                "results": .int(unreadable.results),
            ],
        ]
    }

    /// Seconds to the millisecond; null for none.
    private static func seconds(_ value: Double?) -> JSONValue { value.map { .double(($0 * 1000).rounded() / 1000) } ?? .null }
}

extension HistoryStats.StatusCounts {
    /// `total`, `succeeded`, `failed`, `cancelled`.
    public var json: JSONValue { ["total": .int(total), "succeeded": .int(succeeded), "failed": .int(failed), "cancelled": .int(cancelled)] }
}
