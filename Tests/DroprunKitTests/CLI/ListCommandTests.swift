import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun list`: order, columns, and what it reads.
@Suite struct ListCommandTests {
    static func record(_ runId: String, createdAt: String) -> String {
        """
        {"runId": "\(runId)", "status": "succeeded", "workflow": {"name": "w", "version": "1"}, "createdAt": "\(createdAt)",
         "startedAt": "\(createdAt)", "finishedAt": "\(createdAt)", "steps": [], "request": {"file": "\(runId).json", "sha256": "", "size": 1, "receivedAt": "\(createdAt)"}}
        """
    }

    /// Newest first by createdAt, whatever the files' modification times say (a run created first may finish last).
    @Test func newestFirstByCreatedAtNotByFileTime() async throws {
        let root = try TemporaryRoot()
        let fs = PosixFileSystem()
        let now = Date()
        // (run, createdAt seconds ago, file modified seconds ago)
        for (runId, created, modified) in [("old-but-late", 300.0, 1.0), ("newest", 10.0, 5.0), ("middle", 100.0, 50.0)] {
            try root.write("outbox/results/\(runId).json", Self.record(runId, createdAt: Timestamp.format(now.addingTimeInterval(-created))))
            try fs.setModified(root.file("outbox/results/\(runId).json"), to: now.addingTimeInterval(-modified))
        }
        let cli = CLITester(root: root.path)
        let rows = try JSONParser.parse(await cli.run(["list", "--json"]).stdout).arrayValue ?? []
        #expect(rows.compactMap { $0["runId"]?.stringValue } == ["newest", "middle", "old-but-late"])
        let two = try JSONParser.parse(await cli.run(["list", "--json", "--limit", "2"]).stdout).arrayValue ?? []
        #expect(two.compactMap { $0["runId"]?.stringValue } == ["newest", "middle"])
    }

    @Test func longRunIdsKeepTheColumnsAligned() async throws {
        let root = try TemporaryRoot()
        let now = Timestamp.format(Date())
        let long = "invoice-2026-000000000000000000000000000000000000000001"
        try root.write("outbox/results/\(long).json", Self.record(long, createdAt: now))
        try root.write("outbox/results/short.json", Self.record("short", createdAt: now))
        let lines = await CLITester(root: root.path).run(["list"]).stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(lines)")
        let column = { (line: String, word: String) in line.range(of: word).map { line.distance(from: line.startIndex, to: $0.lowerBound) } }
        let positions = lines.map { column($0, " w ") ?? column($0, "WORKFLOW").map { $0 - 1 } ?? -1 }
        #expect(Set(positions).count == 1, "WORKFLOW column moves: \(lines.joined(separator: "\n"))")
    }
}
