import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The direct record writer against the general canonical writer.
@Suite struct RunRecordTests {
    static func record(full: Bool) throws -> RunRecord {
        let text = RequestText.make(
            id: "r",
            steps: [
                #"{"id": "a", "provider": "echo"}"#, #"{"id": "b", "provider": "echo"}"#, #"{"id": "c", "provider": "echo"}"#,
            ])
        guard
            case .success(.run(let request, _)) = RequestDecoder(configuration: Configuration(), registry: .builtIn).decode(
                Array(text.utf8), fileName: "r.json")
        else {
            throw CancellationError()
        }
        let t = Date(timeIntervalSince1970: 1_767_225_600.25)
        var record = RunRecord(
            runId: "r", workflow: request.workflow, requestFile: "r \"quoted\".json", requestSHA256: "ab", requestSize: 12, receivedAt: t,
            createdAt: t)
        guard full else { return record }
        record.labels = ["team": "ops", "Émile": "x"]
        record.startedAt = t.addingTimeInterval(1)
        record.finishedAt = t.addingTimeInterval(2.5)
        record.runner = "h:1"
        record.runnerId = "h-1-iabc"
        record.retryOf = "q"
        record.waitedMs = 40
        record.approval = PendingApproval(step: "b", message: "ok?\n", requestedAt: t, expiresAt: nil)
        record.error = StepFailure(code: .stepTimeout, message: "too slow", retryable: true)
        record.errorStep = "b"
        record.artifacts = [ArtifactEntry(name: "a/b.txt", path: "artifacts/r/a/b.txt", size: 3, sha256: "cd", mediaType: "text/plain", step: "a")]
        try record.steps[0].apply(.start)
        try record.steps[0].apply(.succeed)
        record.steps[0].attempts = 2
        record.steps[0].startedAt = t
        record.steps[0].finishedAt = t.addingTimeInterval(0.007)
        record.steps[0].output = ["text": "tab\there", "list": [1, 2.5, .null, true], "nested": ["z": [:], "a": []]]
        record.steps[0].stderr = "warning: \u{1}"
        try record.steps[1].apply(.start)
        try record.steps[1].apply(.fail)
        record.steps[1].error = StepFailure(code: .custom("exec_failed"), message: "exit 3", retryable: false)
        return record
    }

    @Test(arguments: [false, true])
    func directWriterMatchesTheCanonicalForm(full: Bool) throws {
        let record = try Self.record(full: full)
        let direct = record.prettyBytes
        let general = JSONWriter.prettyBytes(record.json)
        #expect(String(decoding: direct, as: UTF8.self) == String(decoding: general, as: UTF8.self))
        #expect(RunRecord(json: try JSONParser.parse(direct))?.prettyBytes == direct, "reads back to the same bytes")
    }

    /// A record's JSON with one member of `steps[index]` replaced (or removed, with nil).
    static func damaged(step index: Int, key: String, value: JSONValue?) throws -> JSONValue {
        guard case .object(var record) = try record(full: true).json, case .array(var steps)? = record["steps"],
            case .object(var step) = steps[index]
        else { throw CancellationError() }
        step[key] = value
        steps[index] = .object(step)
        record["steps"] = .array(steps)
        return .object(record)
    }

    static let damages: [(Int, String, JSONValue?, String)] = [
        (2, "status", "done", "$.steps[2].status should be a step status (pending, running, succeeded, failed, skipped)"),
        (1, "status", nil, "$.steps[1].status should be a step status (pending, running, succeeded, failed, skipped)"),
        (0, "id", 3, "$.steps[0].id should be a string"),
        (1, "provider", nil, "$.steps[1].provider should be a string"),
    ]

    /// A step that cannot be read is refused with its path, never dropped from the record.
    @Test(arguments: damages.indices)
    func aStepThatCannotBeReadIsRefusedNamingItsPath(index: Int) throws {
        let (step, key, value, message) = Self.damages[index]
        let json = try Self.damaged(step: step, key: key, value: value)
        let error = #expect(throws: RecordShapeError.self) { try RunRecord(validating: json) }
        #expect(error?.description == message)
        #expect(RunRecord(json: json) == nil)
    }

    @Test func aStepThatIsNotAnObjectIsRefused() throws {
        guard case .object(var record) = try Self.record(full: false).json else { throw CancellationError() }
        record["steps"] = ["a"]
        let error = #expect(throws: RecordShapeError.self) { try RunRecord(validating: .object(record)) }
        #expect(error?.description == "$.steps[0] should be a step (an object with id, provider and status)")
    }

    @Test func anUnknownStatusIsRefused() throws {
        guard case .object(var record) = try Self.record(full: false).json else { throw CancellationError() }
        record["status"] = "paused"
        let error = #expect(throws: RecordShapeError.self) { try RunRecord(validating: .object(record)) }
        #expect(error?.description == "$.status should be a run status")
    }
}
