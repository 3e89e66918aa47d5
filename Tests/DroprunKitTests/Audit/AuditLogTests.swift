import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

@Suite struct AuditLogTests {
    func makeLog(_ root: TemporaryRoot, pid: Int32 = 1, at seconds: Double = 1_767_225_600) -> AuditLog {
        AuditLog(
            folder: root.layout.audit, runner: RunnerIdentity(host: "h", pid: pid), startedAt: Date(timeIntervalSince1970: seconds),
            fileSystem: PosixFileSystem())
    }

    func writeEvents(_ log: AuditLog, count: Int) throws {
        for i in 0..<count {
            try log.record(
                .stepStarted, runId: "run-\(i % 3)", at: Date(timeIntervalSince1970: 1_767_225_600 + Double(i)), data: ["step": .string("s\(i)")])
        }
        log.close()
    }

    func lines(_ root: TemporaryRoot, _ log: AuditLog) -> [String] {
        (root.read(root.layout.relative(log.path)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func eachLineIsExactlyTheCanonicalFormOfItsEvent() throws {
        let root = try TemporaryRoot()
        let log = makeLog(root)
        let awkward: [String: JSONValue] = [
            "zeta": "tab\there \"quoted\" back\\slash", "Émile": "ünïcode ✓", "a": ["nested": [1, 2.5, true, .null]], "": "empty key",
        ]
        try log.record(.runQueued, runId: "r \"1\"", at: Date(timeIntervalSince1970: 1_767_225_600.123), data: awkward)
        try log.record(.requestRejected, runId: nil, at: Date(timeIntervalSince1970: 1_767_225_601), data: [:])
        log.close()
        for line in lines(root, log) {
            let event = try JSONParser.parse(line)
            #expect(JSONWriter.compact(event) == line, "the line is canonical")
            guard case .object(var members) = event, let hash = members.removeValue(forKey: "hash")?.stringValue else {
                Issue.record("not an object with a hash")
                continue
            }
            #expect(SHA256.hex(JSONWriter.compactBytes(.object(members))) == hash)
        }
        #expect(try JSONParser.parse(lines(root, log)[0])["data"] == .object(awkward))
        #expect(try JSONParser.parse(lines(root, log)[1])["runId"] == nil)
    }

    @Test func eventsFormAHashChain() throws {
        let root = try TemporaryRoot()
        let log = makeLog(root)
        try writeEvents(log, count: 5)
        let events = lines(root, log).compactMap { try? JSONParser.parse($0) }
        #expect(events.count == 5)
        var prev = AuditLog.genesis
        for event in events {
            #expect(event["prev"]?.stringValue == prev)
            guard case .object(var members) = event, let hash = members.removeValue(forKey: "hash")?.stringValue else {
                Issue.record("not an object with a hash")
                continue
            }
            #expect(SHA256.hex(JSONWriter.compactBytes(.object(members))) == hash)
            #expect(event["actor"] == "h:1")
            #expect(event["at"]?.stringValue?.hasSuffix("Z") == true)
            prev = hash
        }
        #expect(log.path.hasSuffix("20260101T000000Z-h-1.jsonl"))
    }

    @Test func intactChainsVerify() throws {
        let root = try TemporaryRoot()
        try writeEvents(makeLog(root, pid: 1), count: 4)
        try writeEvents(makeLog(root, pid: 2), count: 3)
        let report = try AuditVerifier.verifyAll(layout: root.layout, fileSystem: PosixFileSystem())
        #expect(report.files == 2)
        #expect(report.events == 7)
        #expect(report.problems.isEmpty)
    }

    enum Damage: String, CaseIterable {
        case editValue, deleteMiddleLine, deleteFirstLine, swapLines, tornLastLine, garbageLine, unknownEvent
    }

    @Test(arguments: Damage.allCases)
    func damageIsFoundAndNamed(_ damage: Damage) throws {
        let root = try TemporaryRoot()
        let log = makeLog(root)
        try writeEvents(log, count: 5)
        var text = lines(root, log)
        let expectedLine: Int
        switch damage {
        case .editValue:
            text[2] = text[2].replacingOccurrences(of: "\"s2\"", with: "\"s9\"")
            expectedLine = 3
        case .deleteMiddleLine:
            text.remove(at: 2)
            expectedLine = 3
        case .deleteFirstLine:
            text.removeFirst()
            expectedLine = 1
        case .swapLines:
            text.swapAt(1, 2)
            expectedLine = 2
        case .tornLastLine:
            expectedLine = 6
        case .garbageLine:
            text[1] = "{not json"
            expectedLine = 2
        case .unknownEvent:
            // A correctly chained line whose event name is not in the closed set.
            guard case .object(var members) = try JSONParser.parse(text[4]) else {
                Issue.record("line 5 is not a JSON object: \(text[4])")
                return
            }
            members["hash"] = nil
            members["event"] = "run.exploded"
            members["hash"] = .string(SHA256.hex(JSONWriter.compactBytes(.object(members))))
            text[4] = JSONWriter.compact(.object(members))
            expectedLine = 5
        }
        var body = text.joined(separator: "\n") + "\n"
        if damage == .tornLastLine { body += #"{"at":"2026-01-01T00:00:09.000Z","event":"step.st"# }
        try Data(body.utf8).write(to: URL(fileURLWithPath: log.path))
        let report = try AuditVerifier.verifyAll(layout: root.layout, fileSystem: PosixFileSystem())
        let problem = try #require(report.problems.first)
        #expect(problem.line == expectedLine, "\(damage): \(problem)")
        #expect(problem.file == "outbox/audit/20260101T000000Z-h-1.jsonl")
        #expect(problem.description.hasPrefix("outbox/audit/20260101T000000Z-h-1.jsonl:\(expectedLine): "))
        if damage == .tornLastLine { #expect(problem.message.contains("torn")) }
    }

    @Test func concurrentAppendsKeepOneValidChain() async throws {
        let root = try TemporaryRoot()
        let log = makeLog(root)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for i in 0..<100 {
                        try? log.record(.artifactWritten, runId: "r\(t)", at: Date(timeIntervalSince1970: 1_767_225_600), data: ["i": .int(i)])
                    }
                }
            }
        }
        log.close()
        let report = try AuditVerifier.verifyAll(layout: root.layout, fileSystem: PosixFileSystem())
        #expect(report.events == 800)
        #expect(report.problems.isEmpty)
    }

    @Test func everyEventNameIsDocumentedAndDotted() {
        for name in AuditEventName.allCases { #expect(name.rawValue.contains(".")) }
        let required = [
            "request.rejected", "run.queued", "run.started", "run.waiting_approval", "run.resumed", "run.recovered", "run.succeeded", "run.failed",
            "run.cancelled", "step.started", "step.succeeded", "step.failed", "step.retry", "artifact.written", "approval.received",
        ]
        for name in required { #expect(AuditEventName(rawValue: name) != nil, "\(name) missing") }
    }

    @Test func aRunLeavesItsWholeStoryInTheAudit() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "story.json",
            RequestText.make(steps: [
                #"{"id": "a", "provider": "template", "with": {"template": "x"}}"#,
                #"{"id": "b", "provider": "artifact", "with": {"name": "b.txt", "content": "{{steps.a.output.text}}"}}"#,
            ]))
        try root.drop("broken.json", "{ nope")
        try await root.runOnce()
        #expect(
            root.auditEventNames(runId: "story") == [
                "run.queued", "run.started", "step.started", "step.succeeded", "step.started", "artifact.written", "step.succeeded", "run.succeeded",
            ])
        let rejected = root.auditEvents().filter { $0["event"] == "request.rejected" }
        #expect(rejected.count == 1)
        #expect(rejected.first?["data"]?["reason"] == "invalid_json")
        #expect(rejected.first?["data"]?["file"] == "broken.json")
        #expect(root.auditEvents().allSatisfy { $0["actor"] == "testhost:4242" })
    }
}
