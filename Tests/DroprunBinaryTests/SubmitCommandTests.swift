import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension EndToEndTests {
    /// `droprun submit` as a real process: from a file and from standard input, and what it refuses.
    ///
    /// Every test works on its own fresh root with `"durability": "fast"`.
    @Suite(.serialized) struct SubmitCommandTests {
        @Test func submitFilePrintsTheRunIdAndPlacesTheFileInTheInbox() async throws {
            let root = try makeRoot()
            let request = echoRequest(id: "sub-1")
            try root.write("src/with-id.json", request)
            let result = try await droprun(["submit", "src/with-id.json"], root)
            #expect(result.code == 0, "stderr: \(result.stderr)")
            #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "sub-1")
            #expect(allEntries(root.file("inbox")) == ["sub-1.json"], "inbox holds \(allEntries(root.file("inbox")))")
            #expect(bytes(root.file("inbox/sub-1.json")) == Array(request.utf8), "the submitted bytes were changed")

            // Without an id, the run id is the file name.
            try root.write("src/named-req.json", echoRequest(id: nil))
            let named = try await droprun(["submit", root.file("src/named-req.json")], root)
            #expect(named.code == 0, "stderr: \(named.stderr)")
            #expect(named.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "named-req")
            #expect(allEntries(root.file("inbox")) == ["named-req.json", "sub-1.json"], "inbox holds \(allEntries(root.file("inbox")))")

            let ran = try await droprun(["run", "--once"], root)
            #expect(ran.code == 0, "stdout: \(ran.stdout) stderr: \(ran.stderr)")
            #expect(root.json("outbox/results/sub-1.json")?["status"]?.stringValue == "succeeded")
            #expect(root.json("outbox/results/named-req.json")?["status"]?.stringValue == "succeeded")
        }

        @Test func submitFromStandardInput() async throws {
            let root = try makeRoot()
            let request = echoRequest(id: "stdin-1")
            let result = try await droprun(["submit", "-"], root, stdin: request)
            #expect(result.code == 0, "stderr: \(result.stderr)")
            #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "stdin-1")
            #expect(allEntries(root.file("inbox")) == ["stdin-1.json"])
            #expect(bytes(root.file("inbox/stdin-1.json")) == Array(request.utf8))

            // Without an id the runner still gets a valid, unique run id and the printed id is the one that runs.
            let anonymous = try await droprun(["submit", "-"], root, stdin: echoRequest(id: nil))
            #expect(anonymous.code == 0, "stderr: \(anonymous.stderr)")
            let runId = anonymous.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(RunID.isValid(runId), "printed run id '\(runId)' is not a valid run id")
            #expect(Set(allEntries(root.file("inbox"))) == ["stdin-1.json", runId + ".json"], "inbox holds \(allEntries(root.file("inbox")))")
            let ran = try await droprun(["run", "--once"], root)
            #expect(ran.code == 0, "stdout: \(ran.stdout) stderr: \(ran.stderr)")
            #expect(root.json("outbox/results/\(runId).json")?["status"]?.stringValue == "succeeded")
            #expect(root.json("outbox/results/stdin-1.json")?["status"]?.stringValue == "succeeded")
        }

        @Test func submitRefusesInvalidTooLargeAndDuplicateRequests() async throws {
            let root = try makeRoot()
            try root.write("src/bad.json", badProviderRequest(id: "sub-bad"))
            let invalid = try await droprun(["submit", "src/bad.json"], root)
            #expect(invalid.code == 1)
            #expect(
                (invalid.stdout + invalid.stderr).contains("$.workflow.steps[0].provider"),
                "the message does not name the JSON path: \(invalid.stderr)")
            #expect(allEntries(root.file("inbox")).isEmpty, "an invalid request reached the inbox: \(allEntries(root.file("inbox")))")

            let stdinInvalid = try await droprun(["submit", "-"], root, stdin: "{ not json")
            #expect(stdinInvalid.code == 1)
            #expect(allEntries(root.file("inbox")).isEmpty)

            try root.write("src/big.json", #"{"id":"sub-big","pad":""# + String(repeating: "x", count: 1_100_000) + #""}"#)
            let big = try await droprun(["submit", "src/big.json"], root)
            #expect(big.code == 1, "a request over maxRequestBytes was submitted")
            #expect(allEntries(root.file("inbox")).isEmpty)

            let request = echoRequest(id: "sub-dup")
            let first = try await droprun(["submit", "-"], root, stdin: request)
            #expect(first.code == 0, "stderr: \(first.stderr)")
            let waiting = try await droprun(["submit", "-"], root, stdin: request)
            #expect(waiting.code == 1, "a second submit of a run id already waiting in the inbox succeeded")
            #expect(waiting.stderr.contains("sub-dup"))
            #expect(allEntries(root.file("inbox")) == ["sub-dup.json"])

            _ = try await droprun(["run", "--once"], root)
            let finished = try await droprun(["submit", "-"], root, stdin: request)
            #expect(finished.code == 1, "a submit of a run id that already has a result succeeded")
            #expect(finished.stderr.contains("sub-dup"))
            #expect(allEntries(root.file("inbox")).isEmpty)
        }
    }
}
