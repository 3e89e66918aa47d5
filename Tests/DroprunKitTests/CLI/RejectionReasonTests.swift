import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

/// Why `run --once` rejects a drop: the reason and the JSON path in its error file, the drop kept byte for byte;
/// in-process, a case per reason.
@Suite struct RejectionReasonTests {
    @Test(
        arguments: [
            ("deep.json", String(repeating: "[", count: 100_000), "invalid_json", nil),
            ("empty.json", "", "invalid_json", nil),
            ("array.json", "[1, 2]", "invalid_request", nil),
            ("bad-id.json", #"{"id":"../x","workflow":{"name":"w","steps":[{"id":"a","provider":"echo","with":{}}]}}"#, "invalid_id", "$.id"),
            ("bad name!.json", #"{"workflow":{"name":"w","steps":[{"id":"a","provider":"echo","with":{}}]}}"#, "invalid_id", nil),
            ("no-workflow.json", #"{"id":"nw"}"#, "invalid_request", "$.workflow"),
            ("no-steps.json", #"{"workflow":{"name":"w","steps":[]}}"#, "invalid_request", "$.workflow.steps"),
            (
                "twin-steps.json",
                #"{"workflow":{"name":"w","steps":[{"id":"a","provider":"echo","with":{}},{"id":"a","provider":"echo","with":{}}]}}"#,
                "invalid_request", "$.workflow.steps[1].id"
            ),
            (
                "unsafe-artifact.json",
                #"{"workflow":{"name":"w","steps":[{"id":"a","provider":"artifact","with":{"name":"../evil.txt","content":"x"}}]}}"#,
                "invalid_request", "$.workflow.steps[0].with.name"
            ),
            (
                "unknown-model.json", #"{"workflow":{"name":"w","steps":[{"id":"a","provider":"llm","with":{"model":"stub-smal","prompt":"x"}}]}}"#,
                "invalid_request", "$.workflow.steps[0].with.model"
            ),
            ("cancel-ghost.json", #"{"kind":"cancel","runId":"ghost"}"#, "unknown_run", nil),
            ("approve-ghost.json", #"{"kind":"approval","runId":"ghost","decision":"approve","by":"me"}"#, "unknown_run", nil),
        ] as [(String, String, String, String?)])
    func rejectionReasons(_ name: String, _ content: String, _ reason: String, _ path: String?) async throws {
        let root = try makeRoot()
        try root.drop(name, content)
        let result = try await droprun(["run", "--once"], root)
        #expect(result.code == 1, "\(name): \(result)")
        let error = try #require(root.json("outbox/rejected/\(name).error.json"), "\(name) was not rejected: \(result.stdout)")
        #expect(error["reason"]?.stringValue == reason, "\(name): \(error)")
        if let path {
            #expect(
                error["errors"]?.arrayValue?.contains { $0["path"]?.stringValue == path } == true,
                "\(name): errors do not name \(path): \(String(describing: error["errors"]))")
        }
        #expect(bytes(root.file("outbox/rejected/" + name)) == Array(content.utf8))
    }

    @Test func nonUTF8BytesAreInvalidJSON() async throws {
        let root = try makeRoot()
        let content: [UInt8] = [0xFF, 0xFE, 0x7B, 0x7D, 0x0A]
        try Data(content).write(to: URL(fileURLWithPath: root.file("inbox/latin.json")))
        #expect(try await droprun(["run", "--once"], root).code == 1)
        #expect(root.json("outbox/rejected/latin.json.error.json")?["reason"]?.stringValue == "invalid_json")
        #expect(bytes(root.file("outbox/rejected/latin.json")) == content)
    }

    private func bytes(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }
}
