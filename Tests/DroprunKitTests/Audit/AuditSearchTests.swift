import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Recovery's rare searches find an event in any segment of a runner's chains, and only that runner's.
@Suite struct AuditSearchTests {
    @Test func aRunnersChainsAreSearchedInEverySegment() throws {
        let maker = AuditChainMaker(root: try TemporaryRoot())
        // The oldest event is in segment 1 of a chain of several; the only `early` event.
        let log = maker.log(segmentBytes: 4096)
        try log.record(.runQueued, runId: "early", at: AuditChainMaker.start, data: ["sha256": "abc"])
        try maker.write(log, count: 40, from: AuditChainMaker.start.addingTimeInterval(1))
        try #require(maker.segments.count >= 4)
        // Another runner whose folder name ends like the first's ("a-h-1" ends with "h-1").
        let other = AuditLog(
            folder: maker.root.layout.audit, runner: RunnerIdentity(host: "a-h", pid: 1), startedAt: AuditChainMaker.start,
            fileSystem: PosixFileSystem())
        try other.record(.runQueued, runId: "elsewhere", at: AuditChainMaker.start)
        other.close()
        let search = AuditSearch(layout: maker.root.layout, fileSystem: PosixFileSystem())

        #expect(search.contains(.runQueued, runId: "early", inChainsOf: "h-1"))
        #expect(search.contains(.runQueued, runId: "early", inChainsOf: "h-1", mentioning: "abc"))
        #expect(!search.contains(.runQueued, runId: "early", inChainsOf: "h-1", mentioning: "abd"))
        #expect(search.contains(.runQueued, runId: "early"))
        #expect(!search.contains(.runQueued, runId: "early", inChainsOf: "h-2"))
        #expect(!search.contains(.runQueued, runId: "early", inChainsOf: "a-h-1"))
        #expect(!search.contains(.runQueued, runId: "elsewhere", inChainsOf: "h-1"), "a-h-1's chain is not h-1's")
        #expect(search.contains(.runQueued, runId: "elsewhere", inChainsOf: "a-h-1"))
        #expect(search.contains(.runQueued, runId: "early") { $0["data"]?["sha256"] == "abc" })
        #expect(!search.contains(.runQueued, runId: "early") { $0["data"]?["sha256"] == "nope" })
        // The newest segment's events are found too.
        #expect(search.contains(.stepStarted, runId: "run-0", inChainsOf: "h-1") { $0["data"]?["step"] == "s39" })
    }
}
