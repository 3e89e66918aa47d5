import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A root to make health problems in: heartbeats, drops, live records and the files beside them, each written at a
/// time relative to a manual clock (the check reads files' modification times against it).
struct HealthFixture {
    let root: TemporaryRoot
    let clock = ManualClock()
    var now: Date { clock.now() }
    private var fs: PosixFileSystem { PosixFileSystem() }

    /// A root with `droprun.json` holding `configuration` (fast durability unless it says otherwise).
    init(_ configuration: String = #"{"durability": "fast"}"#) throws {
        root = try TemporaryRoot()
        try root.write("droprun.json", configuration)
    }

    /// Writes `text` at `relative`, last modified `ago` seconds before now.
    func write(_ relative: String, _ text: String, ago: Double) throws {
        try root.write(relative, text)
        try fs.setModified(root.file(relative), to: now.addingTimeInterval(-ago))
    }

    /// A heartbeat renewed `renewedAgo` seconds ago that says the runner last made progress `progressAgo` seconds ago
    /// (nil: an older runner's heartbeat, which does not say). Names on another host: their process is not looked for.
    func runner(_ name: String = "otherhost-1", renewedAgo: Double = 1, progressAgo: Double? = 0, mode: String = "watch") throws {
        var members: [String: JSONValue] = [
            "runner": .string(name), "mode": .string(mode), "startedAt": .string(Timestamp.format(now.addingTimeInterval(-7_200))),
        ]
        if let progressAgo {
            members["lastProgressAt"] = .string(Timestamp.format(now.addingTimeInterval(-progressAgo)))
            members["claimed"] = 3
            members["finished"] = 2
        }
        try write("outbox/runners/\(name).json", JSONWriter.pretty(.object(members)), ago: renewedAgo)
    }

    /// A drop in the inbox, dropped `ago` seconds ago.
    func drop(_ name: String, ago: Double) throws {
        try write("inbox/" + name, echoRequest(id: nil), ago: ago)
    }

    /// A live record held by `owner` (its folder name; nil: released), last written `updatedAgo` seconds ago, with its
    /// kept request in `outbox/requests/` (unless `keepRequest` is false).
    func record(
        _ runId: String, status: RunStatus = .running, owner: String?, updatedAgo: Double = 1, approval: PendingApproval? = nil,
        keepRequest: Bool = true
    ) throws {
        let request = echoRequest(id: runId)
        if keepRequest { try write("outbox/requests/\(runId).json", request, ago: updatedAgo) }
        let at = Timestamp.format(now.addingTimeInterval(-updatedAgo - 10))
        var members: [String: JSONValue] = [
            "runId": .string(runId), "status": .string(status.rawValue), "workflow": ["name": "w", "version": "1"], "createdAt": .string(at),
            "steps": [],
            "request": [
                "file": .string(runId + ".json"), "sha256": .string(SHA256.hex(Array(request.utf8))), "size": .int(request.utf8.count),
                "receivedAt": .string(at),
            ],
        ]
        if let owner { members["runnerId"] = .string(owner) }
        if let approval { members["approval"] = approval.json }
        try write("outbox/running/\(runId).json", JSONWriter.pretty(.object(members)), ago: updatedAgo)
    }

    /// A run waiting for approval since `waitedFor` seconds ago, expiring `expiresIn` seconds from now (negative: expired).
    func waiting(_ runId: String, waitedFor: Double, expiresIn: Double? = nil) throws {
        let approval = PendingApproval(
            step: "ok", message: "ship it?", requestedAt: now.addingTimeInterval(-waitedFor), expiresAt: expiresIn.map { now.addingTimeInterval($0) })
        try record(runId, status: .waitingApproval, owner: nil, updatedAgo: waitedFor, approval: approval)
    }

    /// The check of the root as it is now, with its `droprun.json`.
    func check(deep: Bool = false) throws -> HealthReport {
        let configuration = try Configuration.load(root: root.path, fileSystem: fs)
        let context = root.engine(clock: clock, configuration: configuration)
        defer { context.audit.close() }
        return HealthCheck(context: context, deep: deep).run(now: now)
    }

    /// The codes of the problems found, in order.
    func codes(deep: Bool = false) throws -> [String] { try check(deep: deep).problems.map(\.code) }

    /// `droprun ARGS` on the root, in-process, on the fixture's clock.
    func cli(_ args: [String]) async -> CLIResult {
        await CLITester(root: root.path, clock: clock).run(args)
    }
}
