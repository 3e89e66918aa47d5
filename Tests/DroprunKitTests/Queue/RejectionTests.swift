import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Helpers shared by the runner-level tests of requests, rejections, references and providers.
enum DropTestKit {
    /// A step object's JSON text.
    static func step(_ id: String, _ provider: String, _ with: String? = nil, extra: String = "") -> String {
        var members = [#""id": "\#(id)""#, #""provider": "\#(provider)""#]
        if let with { members.append(#""with": \#(with)"#) }
        if !extra.isEmpty { members.append(extra) }
        return "{" + members.joined(separator: ", ") + "}"
    }

    /// What one `run --once` over a fresh root left.
    struct Ran: Sendable {
        let root: TemporaryRoot
        let summary: RunOnceSummary
        let clock: InstantClock
        let runId: String

        /// `outbox/results/<runId>.json`.
        var result: JSONValue? { root.json("outbox/results/\(runId).json") }
        /// The result's `steps[i]`.
        func step(_ i: Int) -> JSONValue? { result?["steps"]?.arrayValue.flatMap { $0.indices.contains(i) ? $0[i] : nil } }
        /// The last step's output.
        var output: JSONValue? { result?["output"] }
        var status: String? { result?["status"]?.stringValue }
    }

    /// Drops `text` as `<runId>.json` in a fresh root and runs it once.
    static func run(
        _ text: String, runId: String = "r1", configuration: Configuration = .fastForTests, registry: ProviderRegistry = .builtIn,
        clock: InstantClock = InstantClock()
    ) async throws -> Ran {
        let root = try TemporaryRoot()
        try root.drop("\(runId).json", text)
        let summary = try await root.runOnce(clock: clock, configuration: configuration, registry: registry)
        return Ran(root: root, summary: summary, clock: clock, runId: runId)
    }

    /// A request with the given steps and input, no id (the file name gives it).
    static func request(_ steps: String..., input: String = "{}") -> String {
        RequestText.make(steps: steps, input: input)
    }

    /// True for `2026-11-22T10:00:00.123Z`.
    static func isRFC3339Milliseconds(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let pattern = Array("dddd-dd-ddTdd:dd:dd.dddZ".utf8)
        guard bytes.count == pattern.count else { return false }
        for (b, p) in zip(bytes, pattern) {
            if p == UInt8(ascii: "d") {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else { return false }
            } else if b != p {
                return false
            }
        }
        return Timestamp.parse(text) != nil
    }

    /// The bytes at an absolute path, links not followed; nil when not a readable regular file.
    static func bytes(_ path: String) -> [UInt8]? {
        guard let info = try? PosixFileSystem().info(path), info.type == .regular else { return nil }
        return FileManager.default.contents(atPath: path).map { Array($0) }
    }

    /// Every path under `folder` (relative), recursively, links not followed.
    static func tree(_ folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        return (enumerator.allObjects as? [String] ?? []).sorted()
    }
}

/// Rejections through the runner: every reason, the files they leave, and the inbox rules.
@Suite struct RejectionTests {
    typealias K = DropTestKit

    static let valid = K.request(K.step("s", "echo", #"{"x": 1}"#))
    static let fixedNow = "2026-01-01T00:00:00.000Z"

    /// Checks everything a rejection of `name` must leave behind; returns the `.error.json`.
    @discardableResult
    static func expectRejected(
        _ root: TemporaryRoot, _ name: String, as rejectedName: String? = nil, reason: RejectionReason, original: [UInt8]? = nil,
        path: String? = nil, messageContains: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) -> JSONValue? {
        let stored = rejectedName ?? name
        let full = root.file("outbox/rejected/\(stored)")
        #expect(
            root.exists("outbox/rejected/\(stored)"), "outbox/rejected/\(stored) is missing; rejected holds \(root.list("outbox/rejected"))",
            sourceLocation: sourceLocation)
        if let original {
            #expect(K.bytes(full) == original, "outbox/rejected/\(stored) is not the dropped bytes", sourceLocation: sourceLocation)
        }
        guard let error = root.json("outbox/rejected/\(stored).error.json") else {
            Issue.record("outbox/rejected/\(stored).error.json is missing or not JSON", sourceLocation: sourceLocation)
            return nil
        }
        #expect(error["file"]?.stringValue == name, sourceLocation: sourceLocation)
        #expect(error["reason"]?.stringValue == reason.rawValue, "\(JSONWriter.compact(error))", sourceLocation: sourceLocation)
        let rejectedAt = error["rejectedAt"]?.stringValue ?? ""
        #expect(K.isRFC3339Milliseconds(rejectedAt), "rejectedAt '\(rejectedAt)'", sourceLocation: sourceLocation)
        let errors = error["errors"]?.arrayValue ?? []
        #expect(!errors.isEmpty, "no errors[] in \(JSONWriter.compact(error))", sourceLocation: sourceLocation)
        for e in errors {
            #expect(e["message"]?.stringValue?.isEmpty == false, "\(JSONWriter.compact(e))", sourceLocation: sourceLocation)
            if let p = e["path"] {
                #expect(p.stringValue?.hasPrefix("$") == true, "path \(JSONWriter.compact(p))", sourceLocation: sourceLocation)
            }
        }
        if let path {
            #expect(
                errors.contains { $0["path"]?.stringValue == path }, "no error at \(path): \(JSONWriter.compact(error))",
                sourceLocation: sourceLocation)
        }
        for fragment in messageContains {
            #expect(
                errors.contains { $0["message"]?.stringValue?.contains(fragment) == true },
                "no message with '\(fragment)': \(JSONWriter.compact(error))",
                sourceLocation: sourceLocation)
        }
        // The audit log says so.
        let events = root.auditEvents().filter { $0["event"]?.stringValue == "request.rejected" && $0["data"]?["file"]?.stringValue == name }
        #expect(
            events.contains { $0["data"]?["reason"]?.stringValue == reason.rawValue }, "no request.rejected event for \(name)",
            sourceLocation: sourceLocation)
        return error
    }

    /// Nothing is left in the inbox, the claim folders, or results.
    static func expectNothingElse(_ root: TemporaryRoot, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(root.list("inbox").isEmpty, "inbox still holds \(root.list("inbox"))", sourceLocation: sourceLocation)
        #expect(root.list("outbox/results").isEmpty, "results holds \(root.list("outbox/results"))", sourceLocation: sourceLocation)
        #expect(root.list("outbox/running").isEmpty, sourceLocation: sourceLocation)
        #expect(
            K.tree(root.file("outbox/claimed")).allSatisfy { !$0.contains(".json") }, "claimed holds \(K.tree(root.file("outbox/claimed")))",
            sourceLocation: sourceLocation)
    }

    // MARK: - One test per reason

    @Test func invalidJSON() async throws {
        let root = try TemporaryRoot()
        let text = #"{"workflow": {"name": "w", "steps": []},}"#
        try root.drop("broken.json", text)
        // Written a minute before the runner looks: nothing is writing it, so it is rejected at once
        // (a young file that does not parse is looked at again first: WatchIntakeTests).
        try PosixFileSystem().setModified(root.file("inbox/broken.json"), to: InstantClock().now().addingTimeInterval(-60))
        let summary = try await root.runOnce()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.invalidJSON)])
        let error = Self.expectRejected(root, "broken.json", reason: .invalidJSON, original: Array(text.utf8))
        #expect(error?["rejectedAt"]?.stringValue == Self.fixedNow)
        Self.expectNothingElse(root)
        #expect(root.list("outbox/requests").isEmpty)
    }

    @Test func invalidUTF8AndDeepNestingAreInvalidJSON() async throws {
        let root = try TemporaryRoot()
        let bad: [UInt8] = Array(#"{"id": ""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        try Data(bad).write(to: URL(fileURLWithPath: root.file("inbox/utf8.json")))
        try root.drop("deep.json", deep)
        try await root.runOnce()
        Self.expectRejected(root, "utf8.json", reason: .invalidJSON, original: bad)
        Self.expectRejected(root, "deep.json", reason: .invalidJSON, original: Array(deep.utf8))
        Self.expectNothingElse(root)
    }

    @Test func invalidRequest() async throws {
        let root = try TemporaryRoot()
        let text = K.request(K.step("a", "echo"), K.step("b", "lmm", #"{"model": "stub-small", "prompt": "p"}"#))
        try root.drop("typo.json", text)
        let summary = try await root.runOnce()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.invalidRequest)])
        Self.expectRejected(
            root, "typo.json", reason: .invalidRequest, original: Array(text.utf8), path: "$.workflow.steps[1].provider",
            messageContains: ["unknown provider 'lmm'", "did you mean 'llm'?"])
        Self.expectNothingElse(root)
        #expect(root.list("outbox/requests").isEmpty)
        #expect(root.list("artifacts").isEmpty)
    }

    @Test(arguments: ["../escape", "a/b", ".hidden", "with space", String(repeating: "x", count: 129)])
    func invalidIDFromTheIdMember(id: String) async throws {
        let root = try TemporaryRoot()
        let text = RequestText.make(id: id, steps: [K.step("s", "echo")])
        try root.drop("fine.json", text)
        try await root.runOnce()
        Self.expectRejected(root, "fine.json", reason: .invalidID, original: Array(text.utf8), path: "$.id")
        Self.expectNothingElse(root)
        #expect(root.list("outbox/requests").isEmpty)
        // Nothing was created from the id anywhere.
        #expect(!root.exists("escape.json") && !root.exists("outbox/escape.json"))
    }

    @Test(arguments: [
        "bad name.json", "ünïcode.json", "a~2.json", String(repeating: "y", count: 129) + ".json", "-dash.json", "line\nbreak.json",
        "quote\"d.json", "tab\there.json",
    ])
    func invalidIDFromTheFileName(name: String) async throws {
        let root = try TemporaryRoot()
        try root.drop(name, Self.valid)
        try await root.runOnce()
        let error = Self.expectRejected(root, name, reason: .invalidID, original: Array(Self.valid.utf8), messageContains: [name])
        #expect(error?["errors"]?.arrayValue?.first?["path"] == nil, "a file-name problem has no JSON path")
        Self.expectNothingElse(root)
    }

    @Test func duplicateOfAFinishedRun() async throws {
        let root = try TemporaryRoot()
        try root.drop("job.json", Self.valid)
        try await root.runOnce()
        let firstResult = try #require(root.read("outbox/results/job.json"))
        let firstRequest = try #require(root.read("outbox/requests/job.json"))
        #expect(firstRequest == Self.valid)

        let second = K.request(K.step("s", "echo", #"{"x": 2}"#))
        try root.drop("job.json", second)
        let summary = try await root.runOnce()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.duplicate)])
        Self.expectRejected(root, "job.json", reason: .duplicate, original: Array(second.utf8), messageContains: ["job", "outbox/results/job.json"])
        #expect(root.read("outbox/results/job.json") == firstResult, "the first result was replaced")
        #expect(root.read("outbox/requests/job.json") == firstRequest, "the kept request was replaced")
        #expect(root.list("outbox/results") == ["job.json"])
        #expect(root.list("inbox").isEmpty)
        #expect(root.auditEventNames(runId: "job").filter { $0 == "run.queued" }.count == 1)
    }

    @Test func duplicateOfAFinishedRunWhoseRequestCopyWasRemovedByHand() async throws {
        let root = try TemporaryRoot()
        try root.drop("job.json", Self.valid)
        try await root.runOnce()
        let firstResult = try #require(root.read("outbox/results/job.json"))
        try FileManager.default.removeItem(atPath: root.file("outbox/requests/job.json"))
        let second = K.request(K.step("s", "echo", #"{"x": 2}"#))
        try root.drop("job.json", second)
        let summary = try await root.runOnce()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.duplicate)])
        Self.expectRejected(root, "job.json", reason: .duplicate, original: Array(second.utf8), messageContains: ["outbox/results/job.json"])
        #expect(root.read("outbox/results/job.json") == firstResult)
        #expect(root.list("outbox/requests").isEmpty, "the reservation was taken back")
    }

    @Test func duplicateByExplicitIdNamesThePath() async throws {
        let root = try TemporaryRoot()
        try root.drop("first.json", Self.valid)
        try await root.runOnce()
        let text = RequestText.make(id: "first", steps: [K.step("s", "echo")])
        try root.drop("other-name.json", text)
        try await root.runOnce()
        Self.expectRejected(root, "other-name.json", reason: .duplicate, original: Array(text.utf8), path: "$.id", messageContains: ["first"])
        #expect(root.list("outbox/results") == ["first.json"])
    }

    @Test func sameIdTwiceInOneBatchRunsExactlyOnce() async throws {
        let root = try TemporaryRoot()
        let one = RequestText.make(id: "same", steps: [K.step("s", "echo", #"{"n": 1}"#)])
        let two = RequestText.make(id: "same", steps: [K.step("s", "echo", #"{"n": 2}"#)])
        try root.drop("one.json", one)
        try root.drop("two.json", two)
        let summary = try await root.runOnce()
        #expect(summary.count(.succeeded) == 1)
        #expect(summary.rejected == 1)
        #expect(root.list("outbox/results") == ["same.json"])
        #expect(root.auditEventNames(runId: "same").filter { $0 == "run.queued" }.count == 1)
        #expect(root.auditEventNames(runId: "same").filter { $0 == "run.succeeded" }.count == 1)
        let rejected = root.list("outbox/rejected").filter { !$0.hasSuffix(".error.json") }
        try #require(rejected.count == 1, "\(root.list("outbox/rejected"))")
        let loser = rejected[0]
        Self.expectRejected(root, loser, reason: .duplicate, original: Array((loser == "one.json" ? one : two).utf8), path: "$.id")
        // The run that happened is the one whose bytes were kept.
        let kept = root.read("outbox/requests/same.json")
        let output = root.json("outbox/results/same.json")?["output"]?["n"]?.intValue
        #expect(kept == (output == 1 ? one : two))
        #expect(root.list("inbox").isEmpty)
    }

    @Test func tooLarge() async throws {
        let root = try TemporaryRoot()
        var configuration = Configuration.fastForTests
        configuration.maxRequestBytes = 100
        let text = Self.valid + String(repeating: " ", count: 200)
        try root.drop("big.json", text)
        let summary = try await root.runOnce(configuration: configuration)
        #expect(summary.outcomes.map(\.kind) == [.rejected(.tooLarge)])
        Self.expectRejected(root, "big.json", reason: .tooLarge, original: Array(text.utf8), messageContains: ["maxRequestBytes", "100"])
        Self.expectNothingElse(root)
    }

    @Test func maxRequestBytesBoundary() async throws {
        let root = try TemporaryRoot()
        var configuration = Configuration.fastForTests
        let base = Self.valid
        configuration.maxRequestBytes = base.utf8.count + 10
        try root.drop("exact.json", base + String(repeating: " ", count: 10))
        try root.drop("over.json", base + String(repeating: " ", count: 11))
        try await root.runOnce(configuration: configuration)
        #expect(root.list("outbox/results") == ["exact.json"])
        Self.expectRejected(root, "over.json", reason: .tooLarge)
    }

    @Test(.timeLimit(.minutes(1)))
    func fifoIsNotRegularAndDoesNotBlock() async throws {
        let root = try TemporaryRoot()
        #expect(mkfifo(root.file("inbox/pipe.json"), 0o644) == 0)
        try root.drop("after.json", Self.valid)
        let summary = try await root.runOnce()
        #expect(summary.count(.succeeded) == 1)
        Self.expectRejected(root, "pipe.json", reason: .notRegularFile, messageContains: ["fifo"])
        #expect(try PosixFileSystem().info(root.file("outbox/rejected/pipe.json"))?.type == .fifo)
        #expect(root.list("inbox").isEmpty)
        #expect(root.list("outbox/results") == ["after.json"])
    }

    @Test func symlinkToAValidRequestIsNotFollowed() async throws {
        let root = try TemporaryRoot()
        let target = root.file("elsewhere/real.json")
        try root.write("elsewhere/real.json", Self.valid)
        try FileManager.default.createSymbolicLink(atPath: root.file("inbox/link.json"), withDestinationPath: target)
        let summary = try await root.runOnce()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.notRegularFile)])
        Self.expectRejected(root, "link.json", reason: .notRegularFile, messageContains: ["symlink"])
        let moved = root.file("outbox/rejected/link.json")
        #expect(try PosixFileSystem().info(moved)?.type == .symlink, "the link was replaced by something else")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: moved) == target)
        #expect(root.read("elsewhere/real.json") == Self.valid, "the link's target changed")
        #expect(root.list("elsewhere") == ["real.json"])
        Self.expectNothingElse(root)
        #expect(root.list("outbox/requests").isEmpty)
    }

    @Test func danglingSymlinkIsNotRegular() async throws {
        let root = try TemporaryRoot()
        try FileManager.default.createSymbolicLink(atPath: root.file("inbox/gone.json"), withDestinationPath: "/nonexistent/droprun/x.json")
        try await root.runOnce()
        Self.expectRejected(root, "gone.json", reason: .notRegularFile)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root.file("outbox/rejected/gone.json")) == "/nonexistent/droprun/x.json")
        Self.expectNothingElse(root)
    }

    @Test func directoryNamedLikeARequest() async throws {
        let root = try TemporaryRoot()
        try root.write("inbox/d.json/inside.txt", "keep me")
        let summary = try await root.runOnce()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.notRegularFile)])
        Self.expectRejected(root, "d.json", reason: .notRegularFile, messageContains: ["directory"])
        #expect(try PosixFileSystem().info(root.file("outbox/rejected/d.json"))?.type == .directory)
        #expect(root.read("outbox/rejected/d.json/inside.txt") == "keep me")
        Self.expectNothingElse(root)
    }

    @Test func unreadable() async throws {
        let root = try TemporaryRoot()
        try root.drop("locked.json", Self.valid)
        let fs = FaultyFileSystem([.init("read", pathContains: "claimed/", code: EACCES)])
        let context = root.engine(fileSystem: fs)
        let summary = try await Runner(context: context).runOnce()
        context.audit.close()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.unreadable)])
        Self.expectRejected(root, "locked.json", reason: .unreadable, original: Array(Self.valid.utf8))
        Self.expectNothingElse(root)
        #expect(root.list("outbox/requests").isEmpty)
    }

    @Test(arguments: [
        #"{"kind": "cancel", "runId": "ghost"}"#,
        #"{"kind": "approval", "runId": "ghost", "decision": "approve", "by": "me"}"#,
        #"{"kind": "approval", "runId": "ghost", "decision": "reject"}"#,
    ])
    func unknownRun(text: String) async throws {
        let root = try TemporaryRoot()
        try root.drop("ctl.json", text)
        let summary = try await root.runOnce()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.unknownRun)])
        Self.expectRejected(root, "ctl.json", reason: .unknownRun, original: Array(text.utf8), path: "$.runId", messageContains: ["ghost"])
        Self.expectNothingElse(root)
        #expect(!root.exists("outbox/requests/ghost.json"))
        #expect(!root.exists("outbox/requests/ctl.json"))
    }

    @Test(arguments: [
        #"{"kind": "cancel", "runId": "done"}"#,
        #"{"kind": "approval", "runId": "done", "decision": "approve"}"#,
    ])
    func invalidStateForAFinishedRun(text: String) async throws {
        let root = try TemporaryRoot()
        try root.drop("done.json", Self.valid)
        try await root.runOnce()
        let result = try #require(root.read("outbox/results/done.json"))
        try root.drop("ctl.json", text)
        let summary = try await root.runOnce()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.invalidState)])
        Self.expectRejected(
            root, "ctl.json", reason: .invalidState, original: Array(text.utf8), path: "$.runId", messageContains: ["done", "succeeded"])
        #expect(root.read("outbox/results/done.json") == result, "the finished result was touched")
        #expect(root.list("inbox").isEmpty)
        #expect(!root.auditEventNames(runId: "done").contains("run.cancelled"))
    }

    @Test func everyReasonIsAClosedDocumentedSet() {
        let contract: Set<String> = [
            "invalid_json", "invalid_request", "invalid_id", "duplicate", "too_large", "not_regular_file", "unreadable", "unknown_run",
        ]
        let all = Set(RejectionReason.allCases.map(\.rawValue))
        #expect(all.isSuperset(of: contract))
        for reason in all {
            #expect(reason.allSatisfy { $0.isLowercase || $0 == "_" }, "\(reason) is not one word")
        }
    }

    // MARK: - Several bad files

    @Test func sameNameRejectedTwiceKeepsBoth() async throws {
        let root = try TemporaryRoot()
        let first = "{ not json"
        let second = "[also, not json"
        let third = K.request(K.step("a", "nope"))
        try root.drop("same.json", first)
        try await root.runOnce()
        let firstError = try #require(root.read("outbox/rejected/same.json.error.json"))
        try root.drop("same.json", second)
        try await root.runOnce()
        try root.drop("same.json", third)
        try await root.runOnce()

        #expect(root.read("outbox/rejected/same.json") == first)
        #expect(root.read("outbox/rejected/same.json.error.json") == firstError)
        let names = root.list("outbox/rejected")
        #expect(names.count == 6, "\(names)")
        let others = names.filter { $0 != "same.json" && !$0.hasSuffix(".error.json") }
        #expect(others.count == 2)
        let contents = Set(others.compactMap { root.read("outbox/rejected/" + $0) })
        #expect(contents == [second, third])
        for other in others {
            #expect(other.hasSuffix(".json"), "\(other) lost its extension")
            let error = root.json("outbox/rejected/\(other).error.json")
            #expect(error?["file"]?.stringValue == "same.json")
            #expect(error?["rejectedAs"]?.stringValue == other)
            #expect(error?["reason"]?.stringValue == (root.read("outbox/rejected/" + other) == third ? "invalid_request" : "invalid_json"))
        }
        #expect(root.list("inbox").isEmpty)
    }

    /// A rejected file named like another rejection's error file: both pairs stay whole.
    @Test(arguments: [["a.json", "a.json.error.json"], ["a.json.error.json", "a.json"]])
    func rejectedNamesNeverCollideWithErrorFiles(order: [String]) async throws {
        let root = try TemporaryRoot()
        var contents: [String: String] = [:]
        for name in order {
            let text = "not json: \(name)"
            contents[name] = text
            try root.drop(name, text)
            try await root.runOnce()
        }
        let names = root.list("outbox/rejected")
        #expect(names.count == 4, "\(names)")
        // Each dropped file is kept byte for byte under some name, with an error file that says which.
        for (name, text) in contents {
            let holders = names.filter { root.read("outbox/rejected/" + $0) == text }
            #expect(holders.count == 1, "\(name): \(names)")
            guard let stored = holders.first else { continue }
            let error = root.json("outbox/rejected/\(stored).error.json")
            #expect(error?["file"]?.stringValue == name)
            #expect(error?["reason"] == "invalid_json")
        }
    }

    /// File names are bytes: one that is not UTF-8 must still end in outbox/rejected/, not linger in the inbox.
    @Test(.timeLimit(.minutes(1)))
    func nonUTF8FileNameIsNotLeftBehind() async throws {
        let root = try TemporaryRoot()
        let path = Array(root.file("inbox/bad").utf8CString.dropLast()).map { UInt8(bitPattern: $0) } + [0xFF] + Array(".json".utf8) + [0]
        let fd = path.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        }
        try #require(fd >= 0)
        _ = Self.valid.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        try root.drop("good.json", Self.valid)
        let summary = try await root.runOnce()
        #expect(summary.count(.succeeded) == 1)
        #expect(root.list("inbox").isEmpty, "left in the inbox, neither run nor rejected: \(root.list("inbox").map(\.debugDescription))")
        #expect(summary.rejected == 1)
    }

    /// The longest name a folder can hold leaves no room for `.error.json`: the runner must cope, not stop.
    @Test func longestFileNameIsRejectedWithoutStoppingTheRunner() async throws {
        let root = try TemporaryRoot()
        let name = String(repeating: "z", count: 250) + ".json"
        try root.drop(name, Self.valid)
        try root.drop("next.json", Self.valid)
        let summary: RunOnceSummary
        do {
            summary = try await root.runOnce()
        } catch {
            Issue.record("runOnce stopped because of a bad file name: \(error)")
            return
        }
        #expect(summary.count(.succeeded) == 1)
        #expect(summary.rejected == 1)
        #expect(root.list("inbox").isEmpty)
        #expect(root.list("outbox/results") == ["next.json"])
        let rejected = root.list("outbox/rejected")
        #expect(rejected.contains { $0.hasSuffix(".error.json") }, "\(rejected)")
        #expect(rejected.contains { root.read("outbox/rejected/" + $0) == Self.valid }, "the dropped bytes were not kept")
    }

    @Test func manyBadFilesInOneBatch() async throws {
        let root = try TemporaryRoot()
        try root.drop("a.json", "nope")
        try root.drop("b.json", K.request(K.step("s", "lmm")))
        try root.drop("c d.json", Self.valid)
        try root.drop("e.json", #"{"kind": "cancel", "runId": "zzz"}"#)
        try root.write("inbox/f.json/x", "")
        try root.drop("g.json", Self.valid)
        let summary = try await root.runOnce()
        #expect(summary.rejected == 5)
        #expect(summary.count(.succeeded) == 1)
        #expect(root.list("inbox").isEmpty)
        #expect(root.list("outbox/results") == ["g.json"])
        let reasons = Set(
            root.list("outbox/rejected").filter { $0.hasSuffix(".error.json") }.compactMap {
                root.json("outbox/rejected/" + $0)?["reason"]?.stringValue
            })
        #expect(reasons == ["invalid_json", "invalid_request", "invalid_id", "unknown_run", "not_regular_file"])
    }

    // MARK: - Names the runner leaves alone

    @Test(arguments: [".hidden.json", "x.json.tmp", "x.part", "notes.txt", "x.json.part", ".x.json.tmp", ".json", "x.json~", "x.jsonl", "x.tmp"])
    func ignoredNamesStayInTheInbox(name: String) async throws {
        let root = try TemporaryRoot()
        try root.drop(name, Self.valid)
        let before = try #require(K.bytes(root.file("inbox/" + name)))
        let summary = try await root.runOnce()
        #expect(summary.outcomes.isEmpty)
        #expect(root.list("inbox") == [name])
        #expect(K.bytes(root.file("inbox/" + name)) == before)
        #expect(root.list("outbox/rejected").isEmpty)
        #expect(root.list("outbox/results").isEmpty)
        #expect(root.list("outbox/requests").isEmpty)
        #expect(root.auditEventNames().isEmpty, "\(root.auditEventNames())")
    }

    @Test func ignoredNamesBesideARealRequest() async throws {
        let root = try TemporaryRoot()
        try root.drop(".writing.json.tmp", "{ half")
        try root.drop("real.json", Self.valid)
        try await root.runOnce()
        #expect(root.list("inbox") == [".writing.json.tmp"])
        #expect(root.list("outbox/results") == ["real.json"])
    }

    // MARK: - Order and settling

    @Test func oldestFirstThenByName() async throws {
        let root = try TemporaryRoot()
        let fs = PosixFileSystem()
        let base = Date(timeIntervalSince1970: 1_700_000_000)
        let mtimes: [(String, Double)] = [("c", 30), ("a", 50), ("b", 10), ("d", 50), ("e", 0.5), ("f", 50)]
        for (name, offset) in mtimes {
            try root.drop("\(name).json", Self.valid)
            try fs.setModified(root.file("inbox/\(name).json"), to: base.addingTimeInterval(offset))
        }
        var configuration = Configuration.fastForTests
        configuration.concurrency = 1
        try await root.runOnce(configuration: configuration)
        let queued = root.auditEvents().filter { $0["event"]?.stringValue == "run.queued" }.compactMap { $0["runId"]?.stringValue }
        #expect(queued == ["e", "b", "c", "a", "d", "f"])
    }

    @Test func sleepsUntilAFileHasSettled() async throws {
        let root = try TemporaryRoot()
        let clock = InstantClock()
        var configuration = Configuration.fastForTests
        configuration.settleMs = 3_000
        try root.drop("fresh.json", Self.valid)
        // Written one second before the clock's now: two seconds short of settled.
        try PosixFileSystem().setModified(root.file("inbox/fresh.json"), to: clock.now().addingTimeInterval(-1))
        let summary = try await root.runOnce(clock: clock, configuration: configuration)
        #expect(summary.count(.succeeded) == 1)
        #expect(clock.sleeps == [2_000], "\(clock.sleeps)")
        let received = root.json("outbox/results/fresh.json")?["request"]?["receivedAt"]?.stringValue
        #expect(received == "2026-01-01T00:00:02.000Z", "taken before it settled: \(received ?? "nil")")
    }

    /// A file whose time is the clock's now waits the whole settle time.
    @Test func freshFileWaitsTheWholeSettleTime() async throws {
        let root = try TemporaryRoot()
        let clock = InstantClock()
        var configuration = Configuration.fastForTests
        configuration.settleMs = 20_000
        try root.drop("slow.json", Self.valid)
        try PosixFileSystem().setModified(root.file("inbox/slow.json"), to: clock.now())
        try await root.runOnce(clock: clock, configuration: configuration)
        #expect(clock.sleeps == [20_000], "\(clock.sleeps)")
        #expect(root.list("outbox/results") == ["slow.json"])
    }

    /// A file stamped in the future (clock skew between machines sharing the root) must not hold
    /// `run --once` until the wall clock catches up: settling means unchanged for settleMs of waiting.
    @Test(.timeLimit(.minutes(1)))
    func futureModificationTimeDoesNotStallTheRunner() async throws {
        let root = try TemporaryRoot()
        let clock = InstantClock()
        var configuration = Configuration.fastForTests
        configuration.settleMs = 1_000
        try root.drop("skewed.json", Self.valid)
        try PosixFileSystem().setModified(root.file("inbox/skewed.json"), to: clock.now().addingTimeInterval(600))
        try await root.runOnce(clock: clock, configuration: configuration)
        #expect(root.list("outbox/results") == ["skewed.json"])
        let waited = clock.sleeps.reduce(0, +)
        #expect(waited <= 2 * configuration.settleMs, "waited \(waited) ms of runner time for a file stamped 10 minutes ahead")
    }

    @Test func settledFilesAreTakenWithoutWaiting() async throws {
        let root = try TemporaryRoot()
        let clock = InstantClock()
        var configuration = Configuration.fastForTests
        configuration.settleMs = 1_000
        try root.drop("old.json", Self.valid)
        try PosixFileSystem().setModified(root.file("inbox/old.json"), to: clock.now().addingTimeInterval(-5))
        try await root.runOnce(clock: clock, configuration: configuration)
        #expect(clock.sleeps.isEmpty, "\(clock.sleeps)")
        #expect(root.list("outbox/results") == ["old.json"])
    }

    @Test func settleMsZeroNeverWaits() async throws {
        let root = try TemporaryRoot()
        let clock = InstantClock()
        try root.drop("now.json", Self.valid)
        try PosixFileSystem().setModified(root.file("inbox/now.json"), to: clock.now())
        try await root.runOnce(clock: clock)
        #expect(clock.sleeps.isEmpty)
        #expect(root.list("outbox/results") == ["now.json"])
    }
}
