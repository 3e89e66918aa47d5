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
    /// What `droprun run --once` rejects, as a real process: kept byte for byte in `outbox/rejected/` with an error file.
    ///
    /// Every test works on its own fresh root with `"durability": "fast"`.
    @Suite(.serialized) struct RunOnceRejectionTests {
        @Test func rejectedDropsAreKeptByteForByteWithAnErrorFile() async throws {
            let root = try makeRoot()
            let notJSON = "{ this is not json\n"
            let badProvider = badProviderRequest(id: "rej-provider")
            try root.drop("not-json.json", notJSON)
            try root.drop("bad-provider.json", badProvider)
            let result = try await droprun(["run", "--once"], root)
            #expect(result.code == 1, "a rejected file must make run --once exit 1; stdout: \(result.stdout)")

            #expect(bytes(root.file("outbox/rejected/not-json.json")) == Array(notJSON.utf8))
            #expect(bytes(root.file("outbox/rejected/bad-provider.json")) == Array(badProvider.utf8))
            let notJSONError = try #require(root.json("outbox/rejected/not-json.json.error.json"), "no not-json.json.error.json")
            #expect(notJSONError["reason"]?.stringValue == "invalid_json")
            #expect(notJSONError["file"]?.stringValue == "not-json.json")
            #expect(isTimestamp(notJSONError["rejectedAt"]))
            #expect(notJSONError["errors"]?.arrayValue?.isEmpty == false)

            let providerError = try #require(root.json("outbox/rejected/bad-provider.json.error.json"), "no bad-provider.json.error.json")
            #expect(providerError["reason"]?.stringValue == "invalid_request")
            #expect(providerError["file"]?.stringValue == "bad-provider.json")
            #expect(isTimestamp(providerError["rejectedAt"]))
            let errors = providerError["errors"]?.arrayValue ?? []
            #expect(errors.contains { $0["path"]?.stringValue == "$.workflow.steps[0].provider" }, "errors do not name the JSON path: \(errors)")
            #expect(errors.allSatisfy { $0["message"]?.stringValue?.isEmpty == false })

            #expect(allEntries(root.file("inbox")).isEmpty)
            #expect(allEntries(root.file("outbox/requests")).isEmpty)
            #expect(allEntries(root.file("outbox/results")).isEmpty)
            let rejections = auditEvents(root).filter { $0["event"]?.stringValue == "request.rejected" }
            #expect(rejections.count == 2, "every rejection is audited; found \(rejections.count) request.rejected events")
        }

        @Test func secondDropWithTheSameRunIdIsADuplicate() async throws {
            let root = try makeRoot()
            let first = echoRequest(id: "dup-1", value: "first")
            try root.drop("first.json", first)
            #expect(try await droprun(["run", "--once"], root).code == 0)
            let resultBefore = try #require(bytes(root.file("outbox/results/dup-1.json")))

            try root.drop("second.json", echoRequest(id: "dup-1", value: "second"))
            let again = try await droprun(["run", "--once"], root)
            #expect(again.code == 1, "a duplicate is a rejection: run --once must exit 1")
            let error = try #require(root.json("outbox/rejected/second.json.error.json"), "the duplicate was not rejected")
            #expect(error["reason"]?.stringValue == "duplicate")
            #expect(JSONWriter.compact(error["errors"] ?? .null).contains("dup-1"), "the rejection does not name the existing run")
            #expect(bytes(root.file("outbox/results/dup-1.json")) == resultBefore, "the first result was replaced")
            #expect(bytes(root.file("outbox/requests/dup-1.json")) == Array(first.utf8), "the kept request was replaced")

            // A run id taken from the file name is a duplicate the same way.
            try root.drop("by-name.json", echoRequest(id: nil))
            #expect(try await droprun(["run", "--once"], root).code == 0)
            try root.drop("by-name.json", echoRequest(id: nil, value: "again"))
            #expect(try await droprun(["run", "--once"], root).code == 1)
            #expect(root.json("outbox/rejected/by-name.json.error.json")?["reason"]?.stringValue == "duplicate")

            // Two drops with one run id in the same pass: exactly one runs.
            try root.drop("twin-a.json", echoRequest(id: "dup-2", value: "a"))
            try root.drop("twin-b.json", echoRequest(id: "dup-2", value: "b"))
            #expect(try await droprun(["run", "--once"], root).code == 1)
            #expect(root.json("outbox/results/dup-2.json")?["status"]?.stringValue == "succeeded")
            let twins = ["twin-a.json", "twin-b.json"].filter { root.exists("outbox/rejected/\($0).error.json") }
            #expect(twins.count == 1, "exactly one twin must be rejected; rejected: \(twins)")
            let winner = root.json("outbox/results/dup-2.json")?["request"]?["file"]?.stringValue
            #expect(winner != nil && !twins.contains(winner ?? ""), "the rejected twin is the one that ran")
        }

        @Test func twoRejectedFilesWithTheSameNameAreBothKept() async throws {
            let root = try makeRoot()
            try root.drop("clash.json", "not json, first")
            #expect(try await droprun(["run", "--once"], root).code == 1)
            try root.drop("clash.json", "not json, second")
            #expect(try await droprun(["run", "--once"], root).code == 1)

            let names = allEntries(root.file("outbox/rejected"))
            let dataFiles = names.filter { !$0.hasSuffix(".error.json") }
            let errorFiles = names.filter { $0.hasSuffix(".error.json") }
            #expect(dataFiles.count == 2 && errorFiles.count == 2, "outbox/rejected holds \(names)")
            let contents = Set(dataFiles.compactMap { text(root.file("outbox/rejected/" + $0)) })
            #expect(contents == ["not json, first", "not json, second"], "a rejected file was overwritten: \(contents)")
            #expect(text(root.file("outbox/rejected/clash.json")) == "not json, first", "the earlier rejection was replaced")
            for name in errorFiles {
                #expect(root.json("outbox/rejected/" + name)?["file"]?.stringValue == "clash.json", "\(name) does not name the dropped file")
            }
        }

        @Test func fifoInTheInboxDoesNotBlockTheRunner() async throws {
            let root = try makeRoot()
            #expect(mkfifo(root.file("inbox/x.json"), 0o644) == 0, "mkfifo failed")
            try root.drop("after-fifo.json", echoRequest(id: "after-fifo"))
            // A runner that blocked on the FIFO would never finish (the 60 s limit kills it and the test fails); one that
            // blocked for a while would take far longer than the bound, which is loose because test machines are busy.
            let result = try await binary(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 60)
            #expect(result.seconds < 20, "run --once took \(result.seconds) s beside a FIFO")
            #expect(result.code == 1, "the FIFO is a rejection: run --once must exit 1; stdout: \(result.stdout)")
            #expect(root.json("outbox/rejected/x.json.error.json")?["reason"]?.stringValue == "not_regular_file")
            #expect(fileType(root.file("outbox/rejected/x.json")) == S_IFIFO, "the FIFO was not moved to outbox/rejected as it is")
            #expect(root.json("outbox/results/after-fifo.json")?["status"]?.stringValue == "succeeded")
            #expect(allEntries(root.file("inbox")).isEmpty)
        }

        @Test func symlinkInTheInboxIsRejectedAndItsTargetUntouched() async throws {
            let root = try makeRoot()
            let outside = try TemporaryRoot(initialized: false)
            let target = outside.file("outside.json")
            let request = echoRequest(id: "outside-run")
            try outside.write("outside.json", request)
            #expect(symlink(target, root.file("inbox/y.json")) == 0, "symlink failed")

            let result = try await droprun(["run", "--once"], root)
            #expect(result.code == 1, "stdout: \(result.stdout)")
            #expect(root.json("outbox/rejected/y.json.error.json")?["reason"]?.stringValue == "not_regular_file")
            #expect(fileType(root.file("outbox/rejected/y.json")) == S_IFLNK, "the link was not moved to outbox/rejected as it is")
            #expect(bytes(target) == Array(request.utf8), "the link's target was changed or removed")
            #expect(!root.exists("outbox/results/outside-run.json") && !root.exists("outbox/requests/outside-run.json"), "the link was followed")
        }

        @Test func requestOverTwoMegabytesIsTooLarge() async throws {
            let root = try makeRoot()
            let prefix = #"{"id":"huge","workflow":{"name":"w","steps":[{"id":"a","provider":"echo","with":{}}]},"input":{"pad":""#
            let suffix = #""}}"#
            let big = prefix + String(repeating: "x", count: 2 * 1024 * 1024 - prefix.utf8.count - suffix.utf8.count) + suffix
            try #require(big.utf8.count == 2 * 1024 * 1024, "the set-up is not exactly 2 MiB")
            try root.drop("big.json", big)
            let result = try await droprun(["run", "--once"], root)
            #expect(result.code == 1)
            #expect(root.json("outbox/rejected/big.json.error.json")?["reason"]?.stringValue == "too_large")
            #expect(bytes(root.file("outbox/rejected/big.json")) == Array(big.utf8), "the rejected file is not byte for byte the drop")
            #expect(!root.exists("outbox/results/huge.json"))
        }
    }
}
