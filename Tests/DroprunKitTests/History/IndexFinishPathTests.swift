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
        // Nothing repairs the line (the live record is gone): the marker goes, so queries read the results and the
        // next start rebuilds the index.
        #expect(root.exists("outbox/index"))
        #expect(!root.exists("outbox/index/.built"))
        #expect(
            context.warnings.messages.contains {
                $0.hasPrefix("could not add run 'a' to the history index (outbox/index/") && $0.contains(".jsonl: No space left on device)")
                    && $0.hasSuffix("); the index will be rebuilt at the next start (or run droprun reindex)")
            })
    }

    /// `outbox/index` a file: the runner says so once and runs on without an index.
    @Test func aFileAtOutboxIndexTurnsTheIndexOffAndTheRunsGoOn() async throws {
        let root = try makeRoot()
        try FileManager.default.removeItem(atPath: root.layout.index)
        try root.write("outbox/index", "not a folder")
        try root.drop("a.json", echoRequest(id: "a"))
        try root.drop("b.json", echoRequest(id: "b"))
        var context = root.engine()
        context.warnings = RunnerWarnings()
        defer { context.audit.close() }
        let summary = try await Runner(context: context).runOnce()
        #expect(summary.allSucceeded)
        #expect(root.exists("outbox/results/a.json") && root.exists("outbox/results/b.json"))
        #expect(root.read("outbox/index") == "not a folder")
        #expect(
            context.warnings.messages == [
                "outbox/index is not a folder (it is a file): the history index is off until it is moved away; list reads outbox/results/"
            ])
        let listed = try await droprun(["list", "--json"], root)
        #expect(Set((try JSONParser.parse(Array(listed.stdout.utf8)).arrayValue ?? []).compactMap { $0["runId"]?.stringValue }) == ["a", "b"])
    }

    /// Segments so small that each event starts one: the line names the first and the last of the run's.
    @Test func aRunOverManySegmentsNamesTheFirstAndTheLast() async throws {
        let root = try makeRoot()
        try root.drop("a.json", echoRequest(id: "a"))
        let clock = InstantClock()
        let identity = RunnerIdentity(host: "testhost", pid: 4242)
        let context = EngineContext(
            layout: root.layout, fileSystem: PosixFileSystem(), clock: clock, configuration: .fastForTests, registry: .builtIn,
            identity: identity,
            audit: AuditLog(folder: root.layout.audit, runner: identity, startedAt: clock.now(), fileSystem: PosixFileSystem(), segmentBytes: 1))
        defer { context.audit.close() }
        _ = try await Runner(context: context).runOnce()
        let entry = try #require(root.indexEntries("a").first)
        let segments = root.list("outbox/audit").filter { $0.hasSuffix(".jsonl") }.sorted()
        try #require(segments.count > 3, "\(segments)")
        #expect(entry.audit.count == 2)
        #expect(entry.audit.first.map(segments.contains) == true)
        #expect(entry.audit.last == segments.last)
    }

    /// A run's audit events over many segments: the line names the first and the last.
    @Test func theLineNamesTheFirstAndLastSegmentOfTheRunsSpan() {
        #expect(IndexEntry.auditSpan([]) == [])
        #expect(IndexEntry.auditSpan(["c.jsonl"]) == ["c.jsonl"])
        #expect(IndexEntry.auditSpan(["c.jsonl", "c~0002.jsonl", "c~0003.jsonl", "c~0004.jsonl"]) == ["c.jsonl", "c~0004.jsonl"])
    }
}
