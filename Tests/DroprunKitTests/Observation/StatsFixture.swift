import DroprunTestSupport
import Foundation

@testable import DroprunKit

/// A small root for `stats`: runs in and around the window 2026-11-30T12:00Z to 2026-12-01T12:00Z, with steps,
/// tenants, an old line without steps, a line written twice, and rejected drops in and out of the window.
struct StatsFixture {
    static let since = Timestamp.parse("2026-11-30T12:00:00.000Z")!
    static let until = Timestamp.parse("2026-12-01T12:00:00.000Z")!

    let root: TemporaryRoot
    var history: HistoryFixture { HistoryFixture(root: root) }

    /// A step as a line keeps it.
    static func step(_ provider: String, _ ms: Int?, attempts: Int = 1, _ status: StepStatus = .succeeded) -> IndexEntry.Step {
        IndexEntry.Step(id: provider + "-\(ms ?? 0)", provider: provider, status: status, durationMs: ms, attempts: attempts)
    }

    /// A finished run that lasted `ms` and finished at `finished`.
    static func run(
        _ id: String, _ workflow: String, _ status: RunStatus, ms: Int, finished: String, tenant: String? = nil, steps: [IndexEntry.Step]?
    ) -> IndexEntry {
        let end = Timestamp.parse(finished)!
        let code: String? = status == .succeeded ? nil : status == .cancelled ? "cancelled" : "boom"
        return IndexEntry(
            runId: id, status: status, workflowName: workflow, workflowVersion: "1", labels: tenant.map { ["tenant": $0, "team": "x"] } ?? [:],
            createdAt: end.addingTimeInterval(-Double(ms) / 1000), finishedAt: end, durationMs: ms, errorCode: code,
            errorStep: code == nil ? nil : "s", requestSHA256: String(repeating: "0", count: 64), audit: [], steps: steps)
    }

    static let inWindow: [IndexEntry] = [
        run("r1", "a", .succeeded, ms: 100, finished: "2026-11-30T12:00:00.000Z", tenant: "acme", steps: [step("exec", 10), step("echo", 5)]),
        run(
            "r2", "a", .succeeded, ms: 200, finished: "2026-11-30T18:00:00.000Z", tenant: "acme",
            steps: [step("exec", 20, attempts: 3), step("echo", 5)]),
        run(
            "r3", "a", .failed, ms: 300, finished: "2026-12-01T06:00:00.000Z", tenant: "globex",
            steps: [step("exec", 30, .failed), step("echo", nil, attempts: 0, .skipped)]),
        run(
            "r4", "a", .cancelled, ms: 400, finished: "2026-12-01T11:59:59.999Z",
            steps: [step("exec", 40, attempts: 2), step("exec", 50), step("echo", 5)]),
        run("r5", "b", .failed, ms: 50, finished: "2026-12-01T11:00:00.000Z", steps: nil),
    ]

    static let outside: [IndexEntry] = [
        run("o1", "a", .succeeded, ms: 1, finished: "2026-11-30T11:59:59.999Z", steps: [step("exec", 999)]),
        run("o2", "a", .succeeded, ms: 1, finished: "2026-12-01T12:00:00.000Z", steps: [step("exec", 999)]),
        run("o3", "a", .failed, ms: 1, finished: "2026-11-29T10:00:00.000Z", steps: [step("exec", 999)]),
        run("o4", "c", .failed, ms: 1, finished: "2026-12-02T01:00:00.000Z", steps: [step("exec", 999)]),
    ]

    /// Writes the runs (lines and results), `r2` a second time by another writer, and rejections.
    static func make(built: Bool = true) throws -> StatsFixture {
        let fixture = StatsFixture(root: try makeRoot())
        try fixture.history.index(inWindow + outside)
        try fixture.history.index([inWindow[1]], writer: "testhost-2-i1")
        if built { try fixture.history.markBuilt() }
        try fixture.reject("x.json", reason: "invalid_json", at: "2026-11-30T13:00:00.000Z")
        try fixture.reject("y.json", reason: "invalid_json", at: "2026-12-01T11:59:59.000Z")
        try fixture.reject("z.json", reason: "duplicate", at: "2026-12-01T01:00:00.000Z")
        try fixture.reject("old.json", reason: "duplicate", at: "2026-11-30T11:59:59.000Z")
        try fixture.reject("late.json", reason: "too_large", at: "2026-12-01T12:00:00.000Z")
        try fixture.root.write("outbox/rejected/torn.json.error.json", "{")
        try fixture.touch("outbox/rejected/torn.json.error.json", "2026-12-01T02:00:00.000Z")
        return fixture
    }

    /// A rejected drop and its error file, modified at `at`.
    func reject(_ name: String, reason: String, at: String) throws {
        try root.write("outbox/rejected/" + name, "{")
        try root.write(
            "outbox/rejected/\(name).error.json", #"{"file":"\#(name)","reason":"\#(reason)","rejectedAt":"\#(at)","errors":[]}"#)
        try touch("outbox/rejected/\(name).error.json", at)
    }

    /// Sets a file's modification time.
    func touch(_ relative: String, _ at: String) throws {
        try FileManager.default.setAttributes([.modificationDate: Timestamp.parse(at)!], ofItemAtPath: root.file(relative))
    }
}
