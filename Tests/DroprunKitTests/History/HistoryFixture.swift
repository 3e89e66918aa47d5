import DroprunTestSupport
import Foundation

@testable import DroprunKit

/// Finished runs written straight into a root, as the index writer and the runner would leave them: index lines
/// (`IndexEntry.line`, appended to `outbox/index/<day>~<writer>.jsonl`) and the results they stand for.
struct HistoryFixture {
    let root: TemporaryRoot
    var layout: RootLayout { RootLayout(root: root.path) }

    init(root: TemporaryRoot) { self.root = root }

    /// 2026-12-01T12:00:00.000Z.
    static let noon = Date(timeIntervalSince1970: 1_796_126_400)

    /// `noon` plus `seconds`.
    static func at(_ seconds: TimeInterval) -> Date { noon.addingTimeInterval(seconds) }

    /// A finished run; it finishes `runsFor` seconds after it was created.
    static func entry(
        _ runId: String, created: Date, runsFor: TimeInterval = 1, status: RunStatus = .succeeded, workflow: String = "w",
        labels: [String: String] = [:], error: String? = nil, step: String? = nil
    ) -> IndexEntry {
        let finished = created.addingTimeInterval(runsFor)
        let code = error ?? (status == .succeeded ? nil : status == .cancelled ? "cancelled" : "boom")
        return IndexEntry(
            runId: runId, status: status, workflowName: workflow, workflowVersion: "1", labels: labels, createdAt: created, finishedAt: finished,
            durationMs: finished.milliseconds(since: created), errorCode: code, errorStep: code == nil ? nil : (step ?? "a"),
            requestSHA256: String(repeating: "0", count: 64), audit: ["20261201T000000Z-testhost-1-i1.jsonl"])
    }

    /// The result record an entry stands for (what the writer indexed).
    static func record(_ entry: IndexEntry) -> JSONValue {
        var error: JSONValue = .null
        if let code = entry.errorCode {
            error = ["code": .string(code), "message": "it failed", "retryable": false, "step": entry.errorStep.map(JSONValue.string) ?? .null]
        }
        let created = JSONValue.string(Timestamp.format(entry.createdAt))
        return [
            "runId": .string(entry.runId), "status": .string(entry.status.rawValue),
            "workflow": ["name": .string(entry.workflowName), "version": entry.workflowVersion.map(JSONValue.string) ?? .null],
            "labels": .object(entry.labels.mapValues(JSONValue.string)), "createdAt": created, "startedAt": created,
            "finishedAt": .string(Timestamp.format(entry.finishedAt)), "steps": [], "error": error,
            "request": ["file": .string(entry.runId + ".json"), "sha256": .string(entry.requestSHA256), "size": 1, "receivedAt": created],
        ]
    }

    /// The index file of `day` by `writer`.
    func indexFile(day: String, writer: String = "testhost-1-i1") -> String { layout.indexFile(day: day, writer: writer) }

    /// Appends each entry's line to its day's file of `writer`, in the order given, and writes its result unless `results` is false.
    func index(_ entries: [IndexEntry], writer: String = "testhost-1-i1", results: Bool = true) throws {
        for entry in entries {
            try append(entry.line, to: indexFile(day: IndexFiles.day(of: entry.finishedAt), writer: writer))
            if results { try writeResult(entry) }
        }
    }

    /// Writes the run's result (as a runner would have before indexing it).
    func writeResult(_ entry: IndexEntry) throws {
        try root.write("outbox/results/\(entry.runId).json", JSONWriter.pretty(Self.record(entry)))
    }

    /// Appends bytes to a file, creating it (`O_APPEND`, one write, as the writer does).
    func append(_ bytes: [UInt8], to path: String) throws {
        let fs = PosixFileSystem()
        try fs.makeDirectory(Path.parent(path))
        let file = try fs.openForAppending(path)
        defer { file.close() }
        try file.append(bytes)
    }

    /// Writes `outbox/index/.built`: the index covers every result.
    func markBuilt() throws { try root.write("outbox/index/.built", "") }
}
