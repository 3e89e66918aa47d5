import DroprunTestSupport
import Foundation

@testable import DroprunKit

/// Writes audit chains cut into segments, for the segment, verifier, pruner and search tests.
struct AuditChainMaker {
    let root: TemporaryRoot
    /// 2026-01-01T00:00:00Z.
    static let start = Date(timeIntervalSince1970: 1_767_225_600)

    /// The chain id of runner `h:<pid>` started at `at`.
    static func chain(pid: Int32 = 1, at: Date = start) -> String { "\(Timestamp.compact(at))-h-\(pid)" }

    /// A log for runner `h:<pid>` whose segments are cut at `segmentBytes`.
    func log(
        pid: Int32 = 1, at: Date = start, segmentBytes: Int = 1 << 20, fileSystem: any FileSystem = PosixFileSystem(), durable: Bool = false
    ) -> AuditLog {
        AuditLog(
            folder: root.layout.audit, runner: RunnerIdentity(host: "h", pid: pid), startedAt: at, fileSystem: fileSystem,
            segmentBytes: segmentBytes, durable: durable)
    }

    /// Appends `count` step events, one every `every` seconds from `from`, about `run-0`, `run-1`, `run-2` in turn; closes the log.
    func write(_ log: AuditLog, count: Int, from: Date = start, every: TimeInterval = 1, runIds: [String] = ["run-0", "run-1", "run-2"]) throws {
        for i in 0..<count {
            try log.record(
                .stepStarted, runId: runIds[i % runIds.count], at: from.addingTimeInterval(Double(i) * every),
                data: ["step": .string("s\(i)"), "padding": .string(String(repeating: "x", count: 100))])
        }
        log.close()
    }

    /// The segment files in the audit folder, by name.
    var segments: [String] { root.list("outbox/audit").filter { $0.hasSuffix(".jsonl") } }

    /// The lines of a file in the audit folder.
    func lines(_ name: String) -> [String] { (root.read("outbox/audit/" + name) ?? "").split(separator: "\n").map(String.init) }

    /// The parsed lines of a file in the audit folder.
    func events(_ name: String) -> [JSONValue] { lines(name).compactMap { try? JSONParser.parse($0) } }

    func verify() throws -> AuditReport { try AuditVerifier.verifyAll(layout: root.layout, fileSystem: PosixFileSystem()) }

    func remove(_ name: String) throws { try FileManager.default.removeItem(atPath: root.file("outbox/audit/" + name)) }
}
