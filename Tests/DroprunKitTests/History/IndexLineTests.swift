import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The finish path's line writer gives the very bytes of `IndexEntry.line`.
@Suite struct IndexLineTests {
    static let entries: [IndexEntry] = [
        IndexWriterTests.entry("a", finishedAt: "2026-12-01T10:00:00.000Z"),
        IndexEntry(
            runId: "b.r1", status: .failed, workflowName: "wé \"q\"\n", workflowVersion: nil,
            labels: ["zeta": "1", "Alpha": "é", "alpha": "x/y", "ä": "\u{1}"], createdAt: Date(timeIntervalSince1970: 1_764_000_000.123),
            finishedAt: Date(timeIntervalSince1970: 1_764_000_001.5), durationMs: nil, errorCode: "step_timeout", errorStep: nil,
            requestSHA256: "", audit: ["c1.jsonl", "c1~0002.jsonl"]),
        IndexEntry(
            runId: "c", status: .cancelled, workflowName: "w", workflowVersion: "2", labels: ["k": "v"], createdAt: Date(timeIntervalSince1970: 0),
            finishedAt: Date(timeIntervalSince1970: 86_400), durationMs: 0, errorCode: "cancelled", errorStep: "s", requestSHA256: "ff", audit: []),
    ]

    @Test(arguments: entries) func sameBytesAsTheEntrysLine(_ entry: IndexEntry) {
        #expect(String(decoding: IndexLine.bytes(entry), as: UTF8.self) == String(decoding: entry.line, as: UTF8.self))
    }
}
