import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The runner's index line: written after the final audit event and before what stands for the run is removed.
@Suite struct IndexFinishPathTests {
    @Test func everyFinishedRunHasOneLineSayingWhatItsResultSays() async throws {
        let root = try makeRoot()
        try root.drop("a.json", echoRequest(id: "a"))
        try root.drop(
            "f.json",
            RequestText.make(
                id: "f", steps: [#"{"id": "boom", "provider": "fail", "with": {"code": "nope", "message": "no"}}"#],
                extra: #""labels": {"tenant": "acme"}"#))
        let context = root.engine()
        defer { context.audit.close() }
        _ = try await Runner(context: context).runOnce()
        let entries = root.indexEntries()
        #expect(Set(entries.map(\.runId)) == ["a", "f"])
        #expect(entries.count == 2)
        for entry in entries {
            let result = try #require(root.json("outbox/results/\(entry.runId).json").flatMap(RunRecord.init(json:)))
            #expect(entry == IndexEntry(record: result, audit: [Path.name(context.audit.path)]))
        }
        let failed = try #require(root.indexEntries("f").first)
        #expect(failed.status == .failed)
        #expect(failed.errorCode == "nope")
        #expect(failed.errorStep == "boom")
        #expect(failed.labels == ["tenant": "acme"])
        let day = IndexFiles.day(of: failed.finishedAt)
        #expect(root.list("outbox/index") == [".built", "\(day)~testhost-4242.jsonl"])
    }

    /// Killed just before the claim that stands for the run is removed: the line is already there.
    @Test func theLineIsWrittenBeforeTheClaimGoes() async throws {
        let root = try makeRoot()
        try root.drop("a.json", echoRequest(id: "a"))
        let fs = FaultyFileSystem([.kills(before: "remove", pathContains: "outbox/claimed/testhost-4242/a.json")])
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        _ = try? await Runner(context: context).runOnce()
        #expect(root.exists("outbox/claimed/testhost-4242/a.json"))
        #expect(root.indexEntries("a").count == 1)
    }

    /// A disk that refuses the line: the run still succeeds, and the runner says so.
    @Test func aLineThatCannotBeWrittenIsAWarningNotAFailure() async throws {
        let root = try makeRoot()
        try root.drop("a.json", echoRequest(id: "a"))
        let fs = FaultyFileSystem([.init("append", pathContains: "outbox/index", code: ENOSPC)])
        var context = root.engine(fileSystem: fs)
        context.warnings = RunnerWarnings()
        defer { context.audit.close() }
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.allSucceeded)
        #expect(root.exists("outbox/results/a.json"))
        #expect(root.indexEntries().isEmpty)
        #expect(context.warnings.messages.contains { $0.contains("could not add run 'a' to the history index") && $0.contains("droprun reindex") })
    }
}
