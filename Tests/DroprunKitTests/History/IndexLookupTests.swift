import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Recovery's question "is this run in the index already?", asked of a day's files by bytes.
@Suite struct IndexLookupTests {
    /// A line that straddles two pieces read is found; an id that only starts like the one asked for is not.
    @Test func findsALineAcrossPiecesAndOnlyTheExactId() throws {
        let root = try TemporaryRoot()
        let needle = #""runId":"done""#
        let pad = String(repeating: "x", count: IndexLookup.pieceBytes - 5)
        try root.write("outbox/index/2026-12-01~host-1.jsonl", pad + #"{"runId":"done-2"}"# + "\n" + #"{"runId":"done"}"# + "\n")
        try root.write("outbox/index/2026-12-02~host-1.jsonl", String(repeating: "y", count: IndexLookup.pieceBytes - 6) + needle + "\n")
        let fs = PosixFileSystem()
        #expect(IndexLookup.contains(runId: "done", day: "2026-12-01", layout: root.layout, fileSystem: fs))
        #expect(IndexLookup.contains(runId: "done", day: "2026-12-02", layout: root.layout, fileSystem: fs))
        #expect(!IndexLookup.contains(runId: "done", day: "2026-12-03", layout: root.layout, fileSystem: fs))
        #expect(!IndexLookup.contains(runId: "done-", day: "2026-12-01", layout: root.layout, fileSystem: fs))
        #expect(IndexLookup.contains(runId: "done-2", day: "2026-12-01", layout: root.layout, fileSystem: fs))
    }
}
