import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// An index line names the first and last segment of the span a run's events were written over: `audit RUN_ID`
/// reads every segment between them too.
@Suite struct AuditRunSegmentsSpanTests {
    @Test func theSegmentsBetweenTheNamedEndsAreRead() throws {
        let maker = AuditChainMaker(root: try TemporaryRoot())
        try maker.write(maker.log(segmentBytes: 4096), count: 60)
        let chain = AuditChainMaker.chain()
        let names = (1...5).map { AuditSegmentName(chain: chain, number: $0).fileName }
        try #require(names.allSatisfy(maker.segments.contains), "\(maker.segments)")
        let finder = AuditRunSegments(layout: maker.root.layout, fileSystem: PosixFileSystem())
        #expect(finder.spanned([names[1], names[4]]) == Array(names[1...4]).sorted())
        #expect(finder.spanned([names[2]]) == [names[2]])
        // Another chain's name is kept as it is.
        #expect(finder.spanned([names[0], "20250101T000000Z-h-9.jsonl"]) == [names[0], "20250101T000000Z-h-9.jsonl"].sorted())
    }
}
