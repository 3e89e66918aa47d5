import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// End-to-end tests: the built `droprun` executable, run as a child process on a
/// temporary root, checked against the user-visible contract (CONTRACT.md).
///
/// Every test works on its own fresh root with `"durability": "fast"` (durability
/// itself is not under test here), so the suite stays fast.
@Suite(.serialized) struct EndToEndTests {
    // MARK: - init

    @Test func initCreatesTheFoldersAndAnExample() async throws {
        let base = try TemporaryRoot(initialized: false)
        let result = try await binary(["init", "fresh"], root: nil, workingDirectory: base.path, timeout: 30)
        #expect(result.code == 0, "stderr: \(result.stderr)")
        let fresh = base.file("fresh")
        for folder in ["inbox", "outbox/running", "outbox/results", "outbox/requests", "outbox/rejected", "outbox/audit", "artifacts"] {
            #expect(isDirectory(Path.join(fresh, folder)), "init did not create \(folder)/")
        }
        let topLevel = try FileManager.default.contentsOfDirectory(atPath: fresh)
        let exampleFiles = topLevel.filter { !isDirectory(Path.join(fresh, $0)) && $0 != "droprun.json" }
        #expect(!exampleFiles.isEmpty, "init wrote no example (top level holds \(topLevel.sorted()))")
        if let config = bytes(Path.join(fresh, "droprun.json")) {
            #expect((try? JSONParser.parse(config))?.objectValue != nil, "init wrote a droprun.json that is not a JSON object")
        }

        // The example request init wrote runs as it is.
        for example in exampleFiles where example.hasSuffix(".json") {
            let submitted = try await binary(["submit", example], root: fresh, workingDirectory: nil, timeout: 30)
            #expect(submitted.code == 0, "submitting the example \(example) failed: \(submitted.stderr)")
            let runId = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let ran = try await binary(["run", "--once", "--durability", "fast"], root: fresh, workingDirectory: nil, timeout: 30)
            #expect(ran.code == 0, "the example \(example) did not succeed: \(ran.stdout) \(ran.stderr)")
            let record = json(Path.join(fresh, "outbox/results/\(runId).json"))
            #expect(record?["status"]?.stringValue == "succeeded")
        }

        // A second init changes nothing it already wrote.
        try Data(#"{ "durability": "fast" }"#.utf8).write(to: URL(fileURLWithPath: Path.join(fresh, "droprun.json")))
        let again = try await binary(["--root", fresh, "init"], root: nil, workingDirectory: base.path, timeout: 30)
        #expect(again.code == 0, "stderr: \(again.stderr)")
        #expect(text(Path.join(fresh, "droprun.json")) == #"{ "durability": "fast" }"#, "a second init replaced droprun.json")
    }

    // MARK: - submit

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
        #expect((invalid.stdout + invalid.stderr).contains("$.workflow.steps[0].provider"), "the message does not name the JSON path: \(invalid.stderr)")
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

    // MARK: - run --once: results, requests, artifacts

    @Test func runOnceWritesResultRequestCopyArtifactsAndAudit() async throws {
        let root = try makeRoot()
        let request = """
            {"id":"e2e-ok","workflow":{"name":"greet-and-file","version":"3","steps":[
              {"id":"greet","provider":"template","with":{"template":"Hello, {{input.name}}!"}},
              {"id":"shout","provider":"transform","with":{"value":"{{steps.greet.output.text}}","op":"uppercase"}},
              {"id":"save","provider":"artifact","with":{"name":"out/greeting.txt","content":"{{steps.shout.output.value}}"}}]},
             "input":{"name":"world"},"labels":{"tenant":"acme"}}

            """
        try root.drop("drop-name.json", request)
        let dropped = Array(request.utf8)

        let result = try await droprun(["run", "--once"], root)
        #expect(result.code == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stdout.contains("e2e-ok"))

        let record = try #require(root.json("outbox/results/e2e-ok.json"), "no outbox/results/e2e-ok.json")
        #expect(record["runId"]?.stringValue == "e2e-ok")
        #expect(record["status"]?.stringValue == "succeeded")
        #expect(record["workflow"]?["name"]?.stringValue == "greet-and-file")
        #expect(record["workflow"]?["version"]?.stringValue == "3")
        #expect(record["request"]?["file"]?.stringValue == "drop-name.json")
        #expect(record["request"]?["sha256"]?.stringValue == SHA256.hex(dropped), "request.sha256 is not the SHA-256 of the dropped bytes")
        #expect(record["request"]?.objectValue?.values.contains { isTimestamp($0) } == true, "request has no received time: \(String(describing: record["request"]))")
        for key in ["createdAt", "startedAt", "finishedAt"] {
            #expect(isTimestamp(record[key]), "\(key) is not RFC 3339 UTC with milliseconds: \(String(describing: record[key]))")
        }
        if let created = record["createdAt"]?.stringValue, let started = record["startedAt"]?.stringValue, let finished = record["finishedAt"]?.stringValue {
            #expect(created <= started && started <= finished, "times out of order: \(created) \(started) \(finished)")
        }
        #expect((record["durationMs"]?.intValue ?? -1) >= 0)

        let steps = try #require(record["steps"]?.arrayValue)
        #expect(steps.map { $0["id"]?.stringValue } == ["greet", "shout", "save"])
        #expect(steps.map { $0["provider"]?.stringValue } == ["template", "transform", "artifact"])
        for step in steps {
            #expect(step["status"]?.stringValue == "succeeded")
            #expect(step["attempts"]?.intValue == 1)
            #expect(step["output"] != nil && step["output"] != .null)
            #expect(step["error"] == nil || step["error"] == .null)
            #expect(isTimestamp(step["startedAt"]) && isTimestamp(step["finishedAt"]))
            #expect((step["durationMs"]?.intValue ?? -1) >= 0)
        }
        #expect(steps[0]["output"]?["text"]?.stringValue == "Hello, world!")
        #expect(steps[1]["output"]?["value"]?.stringValue == "HELLO, WORLD!")
        #expect(record["output"] == steps[2]["output"], "output is not the last step's output")

        let content = Array("HELLO, WORLD!".utf8)
        let artifacts = try #require(record["artifacts"]?.arrayValue)
        #expect(artifacts.count == 1)
        let artifact = try #require(artifacts.first)
        #expect(artifact["name"]?.stringValue == "out/greeting.txt")
        #expect(artifact["path"]?.stringValue == "artifacts/e2e-ok/out/greeting.txt")
        #expect(artifact["size"]?.intValue == content.count)
        #expect(artifact["sha256"]?.stringValue == SHA256.hex(content))
        #expect(artifact["mediaType"]?.stringValue?.isEmpty == false)
        #expect(artifact["step"]?.stringValue == "save")
        #expect(bytes(root.file("artifacts/e2e-ok/out/greeting.txt")) == content)
        if let path = artifact["path"]?.stringValue, let written = bytes(root.file(path)) {
            #expect(SHA256.hex(written) == artifact["sha256"]?.stringValue, "the artifact's bytes do not match its sha256")
        }
        let manifest = try #require(root.json("artifacts/e2e-ok/manifest.json"), "no artifacts/e2e-ok/manifest.json")
        #expect(manifest["artifacts"] == record["artifacts"], "the manifest does not list the record's artifacts")

        #expect(bytes(root.file("outbox/requests/e2e-ok.json")) == dropped, "outbox/requests/e2e-ok.json is not byte-identical to the drop")
        #expect(allEntries(root.file("inbox")).isEmpty, "inbox still holds \(allEntries(root.file("inbox")))")
        #expect(allEntries(root.file("outbox/running")).isEmpty, "outbox/running still holds \(allEntries(root.file("outbox/running")))")
        #expect(allEntries(root.file("outbox/results")) == ["e2e-ok.json"], "results holds \(allEntries(root.file("outbox/results")))")

        let events = auditEvents(root).filter { $0["runId"]?.stringValue == "e2e-ok" }.compactMap { $0["event"]?.stringValue }
        for name in ["run.queued", "run.started", "step.started", "step.succeeded", "artifact.written", "run.succeeded"] {
            #expect(events.contains(name), "no \(name) event in the audit log: \(events)")
        }
        if let queued = events.firstIndex(of: "run.queued"), let started = events.firstIndex(of: "run.started"),
            let succeeded = events.firstIndex(of: "run.succeeded")
        {
            #expect(queued < started && started < succeeded, "audit events out of order: \(events)")
        }
    }

    @Test func runOnceExitsOneWhenARunFailsAndRecordsTheError() async throws {
        let root = try makeRoot()
        try root.drop("e2e-fail.json", """
            {"workflow":{"name":"w","steps":[
              {"id":"ok","provider":"echo","with":{"a":1}},
              {"id":"bad","provider":"fail","with":{"code":"boom","message":"it broke"}},
              {"id":"never","provider":"echo","with":{}}]}}
            """)
        try root.drop("e2e-fine.json", echoRequest(id: "e2e-fine"))
        let result = try await droprun(["run", "--once"], root)
        #expect(result.code == 1, "a failed run must make run --once exit 1; stdout: \(result.stdout)")

        let record = try #require(root.json("outbox/results/e2e-fail.json"))
        #expect(record["status"]?.stringValue == "failed")
        #expect(record["error"]?["code"]?.stringValue == "boom")
        #expect(record["error"]?["message"]?.stringValue == "it broke")
        #expect(record["error"]?["step"]?.stringValue == "bad")
        let steps = try #require(record["steps"]?.arrayValue)
        #expect(steps.map { $0["status"]?.stringValue } == ["succeeded", "failed", "skipped"])
        #expect(steps[1]["error"]?["code"]?.stringValue == "boom")
        #expect(steps[1]["attempts"]?.intValue == 1)
        #expect(isTimestamp(record["finishedAt"]))
        #expect(root.json("outbox/results/e2e-fine.json")?["status"]?.stringValue == "succeeded")
        let events = auditEvents(root).filter { $0["runId"]?.stringValue == "e2e-fail" }.compactMap { $0["event"]?.stringValue }
        #expect(events.contains("step.failed") && events.contains("run.failed"), "events: \(events)")

        // A later run --once with nothing to do exits 0.
        let idle = try await droprun(["run", "--once"], root)
        #expect(idle.code == 0, "run --once on an empty inbox: \(idle.stdout) \(idle.stderr)")
    }

    @Test func retryableFailureIsRetriedAndAudited() async throws {
        let root = try makeRoot()
        try root.drop("e2e-retry.json", """
            {"workflow":{"name":"w","steps":[
              {"id":"flaky","provider":"fail","with":{"code":"busy","message":"try later","retryable":true,"times":1},
               "retry":{"maxAttempts":3,"backoffMs":1,"multiplier":1}}]}}
            """)
        let result = try await droprun(["run", "--once"], root)
        #expect(result.code == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
        let record = try #require(root.json("outbox/results/e2e-retry.json"))
        #expect(record["status"]?.stringValue == "succeeded")
        #expect(record["steps"]?.arrayValue?.first?["attempts"]?.intValue == 2)
        let events = auditEvents(root).compactMap { $0["event"]?.stringValue }
        #expect(events.filter { $0 == "step.retry" }.count == 1, "events: \(events)")
    }

    // MARK: - Rejections

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
        // A runner that blocked on the FIFO would never finish; the bound is loose because test machines are busy.
        let result = try await binary(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 60)
        #expect(result.seconds < 60)
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
        #expect(big.utf8.count == 2 * 1024 * 1024)
        try root.drop("big.json", big)
        let result = try await droprun(["run", "--once"], root)
        #expect(result.code == 1)
        #expect(root.json("outbox/rejected/big.json.error.json")?["reason"]?.stringValue == "too_large")
        #expect(bytes(root.file("outbox/rejected/big.json")) == Array(big.utf8), "the rejected file is not byte for byte the drop")
        #expect(!root.exists("outbox/results/huge.json"))
    }

    // MARK: - Reading commands

    @Test func readingCommandsInTextAndJSON() async throws {
        let root = try makeRoot()
        try root.drop("read-ok.json", """
            {"id":"read-ok","workflow":{"name":"reader","version":"1","steps":[
              {"id":"note","provider":"echo","with":{"n":1}},
              {"id":"save","provider":"artifact","with":{"name":"note.json","json":{"n":1}}}]}}
            """)
        try root.drop("read-fail.json", """
            {"id":"read-fail","workflow":{"name":"reader","steps":[{"id":"bad","provider":"fail","with":{"code":"boom","message":"broken"}}]}}
            """)
        #expect(try await droprun(["run", "--once"], root).code == 1)
        try root.drop("read-queued.json", echoRequest(id: "read-queued"))

        // status
        let status = try await droprun(["status", "read-ok"], root)
        #expect(status.code == 0 && status.stdout.contains("read-ok") && status.stdout.contains("succeeded"), "\(status)")
        let statusJSON = try #require(parse(try await droprun(["status", "read-ok", "--json"], root).stdout))
        #expect(statusJSON["runId"]?.stringValue == "read-ok" && statusJSON["status"]?.stringValue == "succeeded")
        let failedJSON = try #require(parse(try await droprun(["status", "--json", "read-fail"], root).stdout))
        #expect(failedJSON["status"]?.stringValue == "failed")
        let queued = try await droprun(["status", "read-queued"], root)
        #expect(queued.code == 0 && queued.stdout.contains("queued"), "\(queued)")
        #expect(parse(try await droprun(["status", "read-queued", "--json"], root).stdout)?["status"]?.stringValue == "queued")

        // show
        let show = try await droprun(["show", "read-ok"], root)
        #expect(show.code == 0)
        for word in ["read-ok", "succeeded", "note", "save", "reader"] { #expect(show.stdout.contains(word), "show lacks \(word)") }
        let showFail = try await droprun(["show", "read-fail"], root)
        #expect(showFail.code == 0 && showFail.stdout.contains("boom"), "\(showFail)")
        let showJSON = try await droprun(["show", "--json", "read-ok"], root)
        #expect(showJSON.code == 0)
        // Times and durations are compared exactly in showAndListKeepRecordTimesExactly.
        #expect(parse(showJSON.stdout).map(withoutTimes) == root.json("outbox/results/read-ok.json").map(withoutTimes), "show --json is not the run's record")

        // list
        let listed = try #require(parse(try await droprun(["list", "--json"], root).stdout)?.arrayValue)
        let statuses = Dictionary(listed.compactMap { row in row["runId"]?.stringValue.map { ($0, row["status"]?.stringValue ?? "?") } }, uniquingKeysWith: { a, _ in a })
        #expect(statuses == ["read-ok": "succeeded", "read-fail": "failed", "read-queued": "queued"], "list --json: \(listed)")
        let failedOnly = try #require(parse(try await droprun(["list", "--status", "failed", "--json"], root).stdout)?.arrayValue)
        #expect(failedOnly.compactMap { $0["runId"]?.stringValue } == ["read-fail"])
        let queuedOnly = try #require(parse(try await droprun(["list", "--json", "--status", "queued"], root).stdout)?.arrayValue)
        #expect(queuedOnly.compactMap { $0["runId"]?.stringValue } == ["read-queued"])
        let limited = try #require(parse(try await droprun(["list", "--limit", "1", "--json"], root).stdout)?.arrayValue)
        #expect(limited.count == 1)
        let both = try #require(parse(try await droprun(["list", "--status", "succeeded", "--limit", "1", "--json"], root).stdout)?.arrayValue)
        #expect(both.compactMap { $0["runId"]?.stringValue } == ["read-ok"])
        let listText = try await droprun(["list"], root)
        #expect(listText.code == 0)
        for id in ["read-ok", "read-fail", "read-queued"] { #expect(listText.stdout.contains(id), "list lacks \(id)") }
        let limitedText = try await droprun(["list", "--status", "failed"], root)
        #expect(limitedText.stdout.contains("read-fail") && !limitedText.stdout.contains("read-ok"))

        // $DROPRUN_ROOT instead of --root
        let outside = try TemporaryRoot(initialized: false)
        let viaEnvironment = try await binary(["list", "--json"], root: nil, environment: ["DROPRUN_ROOT": root.path], workingDirectory: outside.path, timeout: 30)
        #expect(viaEnvironment.code == 0)
        #expect(parse(viaEnvironment.stdout)?.arrayValue?.count == 3, "DROPRUN_ROOT was not used: \(viaEnvironment.stdout)")

        // artifacts
        let manifest = try #require(root.json("artifacts/read-ok/manifest.json"))
        let artifactsJSON = try await droprun(["artifacts", "read-ok", "--json"], root)
        #expect(artifactsJSON.code == 0)
        #expect(parse(artifactsJSON.stdout) == manifest["artifacts"], "artifacts --json differs from the manifest")
        let artifactsText = try await droprun(["artifacts", "read-ok"], root)
        #expect(artifactsText.code == 0 && artifactsText.stdout.contains("note.json"))
        if let sha = manifest["artifacts"]?.arrayValue?.first?["sha256"]?.stringValue {
            #expect(artifactsText.stdout.contains(sha))
            #expect(SHA256.hex(bytes(root.file("artifacts/read-ok/note.json")) ?? []) == sha)
        }
        #expect(parse(try await droprun(["artifacts", "read-fail", "--json"], root).stdout) == .array([]))

        // audit RUN_ID
        let auditRun = try await droprun(["audit", "read-ok", "--json"], root)
        #expect(auditRun.code == 0)
        let lines = auditRun.stdout.split(separator: "\n").map(String.init)
        let events = lines.compactMap { parse($0) }
        #expect(!events.isEmpty && events.count == lines.count, "audit --json printed lines that are not JSON")
        #expect(events.allSatisfy { $0["runId"]?.stringValue == "read-ok" })
        let names = events.compactMap { $0["event"]?.stringValue }
        for name in ["run.queued", "run.started", "step.started", "step.succeeded", "artifact.written", "run.succeeded"] {
            #expect(names.contains(name), "audit read-ok lacks \(name): \(names)")
        }
        for event in events {
            #expect(isTimestamp(event["at"]))
            #expect(event["actor"]?.stringValue?.contains(":") == true, "actor is not host:pid: \(String(describing: event["actor"]))")
            #expect(event["data"]?.objectValue != nil)
            #expect(isHash(event["prev"]) && isHash(event["hash"]))
        }
        let auditText = try await droprun(["audit", "read-ok"], root)
        #expect(auditText.code == 0 && auditText.stdout.contains("run.succeeded") && !auditText.stdout.contains("read-fail"))
        let auditAll = try await droprun(["audit", "--json"], root)
        #expect(auditAll.code == 0)
        let allEvents = auditAll.stdout.split(separator: "\n").compactMap { parse(String($0)) }
        #expect(allEvents.contains { $0["runId"]?.stringValue == "read-fail" && $0["event"]?.stringValue == "run.failed" })

        // audit verify
        let chains = allEntries(root.file("outbox/audit")).filter { $0.hasSuffix(".jsonl") }
        let totalLines = chains.reduce(0) { $0 + (text(root.file("outbox/audit/" + $1)) ?? "").split(separator: "\n").count }
        #expect(chains.first.map { (parse(String((text(root.file("outbox/audit/" + $0)) ?? "").split(separator: "\n").first ?? "")))?["prev"]?.stringValue } == String(repeating: "0", count: 64), "a chain's first event must have prev = 64 zeros")
        let verify = try await droprun(["audit", "verify"], root)
        #expect(verify.code == 0, "\(verify)")
        let verifyJSON = try await droprun(["audit", "verify", "--json"], root)
        #expect(verifyJSON.code == 0)
        let report = try #require(parse(verifyJSON.stdout), "audit verify --json is not JSON: \(verifyJSON.stdout)")
        #expect(report["ok"]?.boolValue == true)
        #expect(report["problems"]?.arrayValue?.isEmpty == true)
        #expect(report["events"]?.intValue == totalLines)
        #expect(report["files"]?.intValue == chains.count)
    }

    // MARK: - audit verify finds damage

    @Test func auditVerifyFindsAnEditedValue() async throws {
        let (root, file, lines) = try await auditedRoot()
        var edited = lines
        #expect(edited[2].contains("tamper-me"))
        edited[2] = edited[2].replacingOccurrences(of: "tamper-me", with: "tamper-ME")
        try writeLines(edited, to: root.file("outbox/audit/" + file))
        try await expectBrokenChain(root, file: file, line: 3)
    }

    @Test func auditVerifyFindsADeletedMiddleLine() async throws {
        let (root, file, lines) = try await auditedRoot()
        var shortened = lines
        shortened.remove(at: 2)
        try writeLines(shortened, to: root.file("outbox/audit/" + file))
        try await expectBrokenChain(root, file: file, line: 3)

        // Deleting the first line is caught too.
        try writeLines(Array(lines.dropFirst()), to: root.file("outbox/audit/" + file))
        try await expectBrokenChain(root, file: file, line: 1)
    }

    @Test func auditVerifyFindsATornLastLineAndNeverGluesIt() async throws {
        let (root, file, lines) = try await auditedRoot()
        let path = root.file("outbox/audit/" + file)
        let torn = lines.joined(separator: "\n") + "\n" + #"{"actor":"x:1","at":"2026-01-01T00:00:00.000Z","event":"run.sta"#
        try Data(torn.utf8).write(to: URL(fileURLWithPath: path))
        try await expectBrokenChain(root, file: file, line: lines.count + 1)

        // A later runner writes its events elsewhere: the torn line stays torn and reported.
        try root.drop("after-tear.json", echoRequest(id: "after-tear"))
        let again = try await droprun(["run", "--once"], root)
        #expect(again.code == 0, "\(again)")
        #expect(text(path) == torn, "the torn chain was changed (an event was glued to the torn line)")
        try await expectBrokenChain(root, file: file, line: lines.count + 1)
        let report = try #require(parse(try await droprun(["audit", "verify", "--json"], root).stdout))
        #expect(report["problems"]?.arrayValue?.count == 1, "only the torn chain is broken: \(report)")
    }

    /// Reading commands print a record's times as written: 2026-11-22T01:29:33.002Z stays .002, never .001.
    @Test func showAndListKeepRecordTimesExactly() async throws {
        let root = try makeRoot()
        try root.drop("times.json", echoRequest(id: "times"))
        #expect(try await droprun(["run", "--once"], root).code == 0)
        // Give the real record times whose milliseconds do not survive a round trip through a Double.
        guard case .object(var record) = try #require(root.json("outbox/results/times.json")) else { Issue.record("not an object"); return }
        record["createdAt"] = "2026-11-22T01:29:33.002Z"
        record["startedAt"] = "2026-11-22T01:29:33.009Z"
        record["finishedAt"] = "2026-11-22T01:29:33.897Z"
        record["durationMs"] = 888
        if case .object(var request) = record["request"] {
            request["receivedAt"] = "2026-11-22T01:29:33.001Z"
            record["request"] = .object(request)
        }
        if case .array(var steps) = record["steps"], case .object(var step) = steps[0] {
            step["startedAt"] = "2026-11-22T01:29:33.015Z"
            step["finishedAt"] = "2026-11-22T01:29:33.022Z"
            step["durationMs"] = 7
            steps[0] = .object(step)
            record["steps"] = .array(steps)
        }
        let written = JSONValue.object(record)
        try Data(JSONWriter.prettyBytes(written)).write(to: URL(fileURLWithPath: root.file("outbox/results/times.json")))

        let shown = try #require(parse(try await droprun(["show", "times", "--json"], root).stdout))
        for key in ["createdAt", "startedAt", "finishedAt"] {
            #expect(shown[key] == written[key], "show --json changed \(key)")
        }
        #expect(shown["durationMs"] == written["durationMs"], "show --json changed durationMs")
        #expect(shown["request"]?["receivedAt"] == written["request"]?["receivedAt"], "show --json changed request.receivedAt")
        #expect(shown["steps"]?.arrayValue?.first?["durationMs"] == written["steps"]?.arrayValue?.first?["durationMs"], "show --json changed steps[0].durationMs")
        #expect(shown["steps"]?.arrayValue?.first?["startedAt"] == written["steps"]?.arrayValue?.first?["startedAt"], "show --json changed steps[0].startedAt")
        let listed = try #require(parse(try await droprun(["list", "--json"], root).stdout)?.arrayValue?.first)
        #expect(listed["createdAt"] == written["createdAt"], "list --json changed createdAt")
        let text = try await droprun(["show", "times"], root).stdout
        #expect(text.contains("2026-11-22T01:29:33.002Z") && text.contains("2026-11-22T01:29:33.897Z"), "show changed the times: \(text)")
    }

    // MARK: - Error paths

    @Test func unknownCommandSuggestsTheNearestOne() async throws {
        let root = try makeRoot()
        for (typo, meant) in [("statsu", "status"), ("lsit", "list"), ("sbumit", "submit")] {
            let result = try await droprun([typo], root)
            #expect(result.code == 2, "\(typo): \(result)")
            #expect(result.stderr.contains(typo) && result.stderr.contains("did you mean") && result.stderr.contains(meant), "\(typo): \(result.stderr)")
        }
    }

    @Test func unknownOptionIsAUsageError() async throws {
        let root = try makeRoot()
        let list = try await droprun(["list", "--jsn"], root)
        #expect(list.code == 2)
        #expect(list.stderr.contains("--jsn") && list.stderr.contains("did you mean") && list.stderr.contains("--json"), "\(list.stderr)")
        let run = try await droprun(["run", "--once", "--bogus"], root)
        #expect(run.code == 2 && run.stderr.contains("--bogus"), "\(run.stderr)")
        let global = try await droprun(["--bogus", "list"], root)
        #expect(global.code == 2, "\(global.stderr)")
    }

    @Test(arguments: [["status"], ["show"], ["artifacts"], ["submit"], ["validate"], ["approve"], ["reject"], ["cancel"], ["retry"]])
    func missingArgumentIsAUsageError(_ command: [String]) async throws {
        let root = try makeRoot()
        let result = try await droprun(command, root)
        #expect(result.code == 2, "\(command): \(result)")
        #expect(result.stderr.contains(command[0]) && !result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func badOptionValuesAreUsageErrors() async throws {
        let root = try makeRoot()
        for args in [["list", "--limit", "0"], ["list", "--limit", "ten"], ["list", "--status", "done"], ["list", "--limit"],
                     ["run", "--once", "--durability", "sometimes"], ["run", "--once", "--concurrency", "0"]] {
            let result = try await droprun(args, root)
            #expect(result.code == 2, "\(args): \(result)")
        }
    }

    @Test(arguments: [["status"], ["show"], ["artifacts"], ["audit"], ["approve"], ["reject"], ["cancel"], ["retry"]])
    func readingAnUnknownRunFails(_ command: [String]) async throws {
        let root = try makeRoot()
        let result = try await droprun(command + ["no-such-run"], root)
        #expect(result.code == 1, "\(command): \(result)")
        #expect(result.stderr.contains("no-such-run"), "\(result.stderr)")
    }

    @Test(arguments: [
        ["run", "--once"], ["submit", "x.json"], ["validate", "x.json"], ["status", "r"], ["show", "r"], ["list"],
        ["artifacts", "r"], ["audit"], ["audit", "r"], ["audit", "verify"], ["watch"], ["approve", "r"], ["reject", "r"],
        ["cancel", "r"], ["retry", "r"], ["fixtures", "verify"], ["providers"],
    ])
    func badRootIsAUsageError(_ command: [String]) async throws {
        let base = try TemporaryRoot(initialized: false)
        try base.write("x.json", echoRequest(id: "r"))
        try base.write("plain-file", "not a folder")
        for root in [base.file("missing"), base.file("plain-file")] {
            let result = try await binary(command, root: root, workingDirectory: base.path, timeout: 30)
            #expect(result.code == 2, "\(command) with --root \(root): \(result.code) \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains(root), "the message does not name the root: \(result.stderr)")
        }
        let viaEnvironment = try await binary(command, root: nil, environment: ["DROPRUN_ROOT": base.file("missing")], workingDirectory: base.path, timeout: 30)
        #expect(viaEnvironment.code == 2, "\(command) with a bad DROPRUN_ROOT: \(viaEnvironment)")
        #expect(!FileManager.default.fileExists(atPath: base.file("missing")), "\(command) created the missing root")
    }

    @Test(arguments: [["run", "--once"], ["submit", "src.json"], ["validate", "src.json"]])
    func invalidConfigurationIsAUsageErrorNamingTheKey(_ command: [String]) async throws {
        let cases: [(config: String, key: String)] = [
            (#"{ "durability": "fast", "concurrancy": 2 }"#, "concurrancy"),
            (#"{ "durability": "fast", "defaults": { "stepTimeoutMS": 5 } }"#, "stepTimeoutMS"),
            (#"{ "durability": "fast", "concurrency": "4" }"#, "concurrency"),
            (#"{ "durability": 1 }"#, "durability"),
            (#"{ "durability": "fast", "defaults": { "runTimeoutSeconds": "soon" } }"#, "runTimeoutSeconds"),
            (#"{ "durability": "fast", "maxRequestBytes": 1.5 }"#, "maxRequestBytes"),
            (#"{ "durability": "fast", "providers": { "llm": { "models": { "m": { "latencyMs": "slow" } } } } }"#, "latencyMs"),
        ]
        for (config, key) in cases {
            let root = try makeRoot()
            try root.write("droprun.json", config)
            try root.write("src.json", echoRequest(id: "cfg"))
            try root.drop("waiting.json", echoRequest(id: "waiting"))
            let result = try await droprun(command, root)
            #expect(result.code == 2, "\(command) with \(config): \(result)")
            #expect(result.stderr.contains(key), "the message does not name '\(key)': \(result.stderr)")
            #expect(root.exists("inbox/waiting.json") && !root.exists("inbox/cfg.json"), "\(command) acted despite a bad configuration")
        }
    }

    @Test func runWithoutOnceIsAUsageError() async throws {
        let root = try makeRoot()
        try root.drop("waiting.json", echoRequest(id: "waiting"))
        let result = try await droprun(["run"], root)
        #expect(result.code == 2, "\(result)")
        #expect(result.stderr.contains("--once"), "\(result.stderr)")
        #expect(root.exists("inbox/waiting.json"), "run without --once took the request")
    }

    @Test func validateReportsJSONPathsAndExitCodes() async throws {
        let root = try makeRoot()
        try root.write("good.json", echoRequest(id: "val-good"))
        try root.write("bad.json", badProviderRequest(id: "val-bad"))
        try root.write("broken.json", "{ nope")

        let good = try await droprun(["validate", "good.json"], root)
        #expect(good.code == 0, "\(good)")
        let goodJSON = try #require(parse(try await droprun(["validate", "--json", "good.json"], root).stdout))
        #expect(goodJSON.arrayValue?.first?["valid"]?.boolValue == true)
        #expect(goodJSON.arrayValue?.first?["runId"]?.stringValue == "val-good")

        let bad = try await droprun(["validate", "bad.json"], root)
        #expect(bad.code == 1)
        #expect(bad.stdout.contains("$.workflow.steps[0].provider"), "validate does not print the JSON path: \(bad.stdout)")
        let badRun = try await droprun(["validate", "bad.json", "--json"], root)
        #expect(badRun.code == 1)
        let entry = try #require(parse(badRun.stdout)?.arrayValue?.first)
        #expect(entry["valid"]?.boolValue == false)
        #expect(entry["reason"]?.stringValue == "invalid_request")
        #expect(entry["errors"]?.arrayValue?.contains { $0["path"]?.stringValue == "$.workflow.steps[0].provider" } == true)

        let mixed = try await droprun(["validate", "good.json", "bad.json", "broken.json", "--json"], root)
        #expect(mixed.code == 1)
        let entries = parse(mixed.stdout)?.arrayValue ?? []
        #expect(entries.map { $0["valid"]?.boolValue } == [true, false, false])
        #expect(entries.last?["reason"]?.stringValue == "invalid_json")
        #expect(allEntries(root.file("inbox")).isEmpty && allEntries(root.file("outbox/results")).isEmpty, "validate ran or placed something")
    }

    /// Every command of the contract (section 10), not only those the parser knows today.
    @Test(arguments: [
        ["init"], ["watch"], ["run"], ["submit"], ["validate"], ["status"], ["list"], ["show"], ["artifacts"],
        ["approve"], ["reject"], ["cancel"], ["retry"], ["audit"], ["audit", "verify"],
        ["fixtures"], ["fixtures", "verify"], ["fixtures", "record"], ["providers"],
    ])
    func helpWorksOnEveryCommand(_ command: [String]) async throws {
        let root = try makeRoot()
        for flag in ["--help", "-h"] {
            let result = try await droprun(command + [flag], root)
            #expect(result.code == 0, "\(command) \(flag): \(result)")
            #expect(result.stdout.lowercased().contains("usage"), "\(command) \(flag) printed no usage: \(result.stdout)")
            #expect(result.stdout.contains("droprun " + command.joined(separator: " ")),
                    "help for '\(command.joined(separator: " "))' does not describe that command: \(result.stdout.prefix(200))")
        }
    }

    @Test func rootHelpAndVersion() async throws {
        let root = try makeRoot()
        let help = try await droprun(["--help"], root)
        #expect(help.code == 0 && help.stdout.lowercased().contains("usage"))
        let version = try await droprun(["--version"], root)
        #expect(version.code == 0 && !version.stdout.isEmpty)
    }

    /// Output for a terminal ends with a newline, so the shell prompt starts on its own line.
    @Test(arguments: [["--help"], ["list", "--help"], ["audit", "verify", "--json"], ["list", "--json"]])
    func outputEndsWithANewline(_ command: [String]) async throws {
        let root = try makeRoot()
        let result = try await droprun(command, root)
        #expect(result.code == 0)
        #expect(result.stdout.hasSuffix("\n"), "'droprun \(command.joined(separator: " "))' output does not end with a newline: …\(result.stdout.suffix(40).debugDescription)")
    }

    // MARK: - Two runners at once

    @Test func twoRunOnceProcessesNeverRunARequestTwice() async throws {
        let root = try makeRoot()
        let ids = (1...50).map { String(format: "conc-%02d", $0) }
        for id in ids {
            // A short pause per run keeps both runners busy at the same time.
            try root.drop(id + ".json", #"{"id":"\#(id)","workflow":{"name":"w","steps":[{"id":"say","provider":"echo","with":{"id":"{{run.id}}"}},{"id":"pause","provider":"delay","with":{"ms":5}}]}}"#)
        }

        let first = try BuiltBinary.start(["run", "--once"], root: root.path)
        let second = try BuiltBinary.start(["run", "--once"], root: root.path)
        let a = try await waitFor(first, timeout: 60)
        let b = try await waitFor(second, timeout: 60)
        #expect(a.code == 0, "first: \(a.stdout) \(a.stderr)")
        #expect(b.code == 0, "second: \(b.stdout) \(b.stderr)")

        #expect(Set(allEntries(root.file("outbox/results"))) == Set(ids.map { $0 + ".json" }), "results: \(allEntries(root.file("outbox/results")))")
        #expect(allEntries(root.file("outbox/rejected")).isEmpty, "rejected: \(allEntries(root.file("outbox/rejected")))")
        #expect(allEntries(root.file("inbox")).isEmpty)
        #expect(allEntries(root.file("outbox/running")).isEmpty)
        for id in ids {
            #expect(root.json("outbox/results/\(id).json")?["status"]?.stringValue == "succeeded", "\(id) did not succeed")
        }
        let events = auditEvents(root)
        var succeeded: [String: Int] = [:]
        var started: [String: Int] = [:]
        for event in events {
            guard let runId = event["runId"]?.stringValue else { continue }
            if event["event"]?.stringValue == "run.succeeded" { succeeded[runId, default: 0] += 1 }
            if event["event"]?.stringValue == "run.started" { started[runId, default: 0] += 1 }
        }
        for id in ids {
            #expect(succeeded[id] == 1, "\(id) has \(succeeded[id] ?? 0) run.succeeded events")
            #expect(started[id] == 1, "\(id) has \(started[id] ?? 0) run.started events")
        }
        #expect(succeeded.count == 50)
        #expect(try await droprun(["audit", "verify"], root).code == 0)
    }

    // MARK: - More of the contract

    @Test func builtBinaryIsTheOneBuiltWithTheTests() async throws {
        let path = try BuiltBinary.path()
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let products = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        #expect(products.contains { $0.hasSuffix(".xctest") }, "\(path) is not beside a test bundle: \(products)")
        // The running test bundle's folder (the scratch path that built it) is the binary's folder.
        let running = ([CommandLine.arguments.first ?? ""] + Bundle.allBundles.map(\.bundlePath)).compactMap { candidate -> String? in
            guard let range = candidate.range(of: ".xctest") else { return nil }
            let bundle = URL(fileURLWithPath: String(candidate[..<range.upperBound]))
            return bundle.deletingLastPathComponent().resolvingSymlinksInPath().path
        }
        if !running.isEmpty {
            #expect(running.contains(URL(fileURLWithPath: folder).resolvingSymlinksInPath().path), "\(path) is not beside the running tests (\(running))")
        }
    }

    @Test func ignoredNamesAreLeftInTheInbox() async throws {
        let root = try makeRoot()
        let ignored = [".x.json.tmp", "y.json.part", ".hidden.json", "notes.txt", "upper.JSON"]
        for name in ignored { try root.drop(name, echoRequest(id: nil)) }
        try root.drop("taken.json", echoRequest(id: "taken"))
        let result = try await droprun(["run", "--once"], root)
        #expect(result.code == 0, "\(result)")
        #expect(allEntries(root.file("inbox")) == ignored.sorted(), "inbox holds \(allEntries(root.file("inbox")))")
        #expect(allEntries(root.file("outbox/rejected")).isEmpty)
        #expect(allEntries(root.file("outbox/results")) == ["taken.json"])
    }

    @Test func filesAreTakenOldestFirstThenByName() async throws {
        let root = try makeRoot()
        let now = Date()
        let drops: [(name: String, age: Double)] = [("a-mid.json", 20), ("z-new.json", 10), ("y-new.json", 10), ("c-old.json", 30)]
        for drop in drops {
            try root.drop(drop.name, echoRequest(id: nil))
            try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-drop.age)], ofItemAtPath: root.file("inbox/" + drop.name))
        }
        let result = try await droprun(["run", "--once", "--concurrency", "1"], root)
        #expect(result.code == 0, "\(result)")
        let order = auditEvents(root).filter { $0["event"]?.stringValue == "run.queued" }.compactMap { $0["runId"]?.stringValue }
        #expect(order == ["c-old", "a-mid", "y-new", "z-new"])
    }

    @Test func filesDroppedDuringARunAreTakenBeforeItExits() async throws {
        let root = try makeRoot()
        try root.drop("slow.json", #"{"workflow":{"name":"w","steps":[{"id":"wait","provider":"delay","with":{"ms":600}}]}}"#)
        let child = try BuiltBinary.start(["run", "--once"], root: root.path)
        try await Task.sleep(for: .milliseconds(250))
        try root.write("inbox/.late.json.tmp", echoRequest(id: "late"))
        #expect(rename(root.file("inbox/.late.json.tmp"), root.file("inbox/late.json")) == 0)
        let result = try await waitFor(child, timeout: 20)
        #expect(result.code == 0, "\(result.stdout) \(result.stderr)")
        #expect(root.json("outbox/results/slow.json")?["status"]?.stringValue == "succeeded")
        #expect(root.json("outbox/results/late.json")?["status"]?.stringValue == "succeeded", "a file dropped while run --once worked was left behind")
    }

    @Test func settleMsWaitsUntilTheFileIsUnchanged() async throws {
        let root = try makeRoot()
        try root.write("droprun.json", #"{ "durability": "fast", "settleMs": 600 }"#)
        try root.drop("fresh.json", echoRequest(id: "fresh"))
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: root.file("inbox/fresh.json"))
        let result = try await binary(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 20)
        #expect(result.code == 0, "\(result)")
        #expect(root.json("outbox/results/fresh.json")?["status"]?.stringValue == "succeeded", "run --once exited without the unsettled file")
        #expect(result.seconds >= 0.3, "the file was taken before it had settled (\(result.seconds) s)")
    }

    @Test func maxRequestBytesFromTheConfigurationAndTheFlag() async throws {
        let request = #"{"workflow":{"name":"w","steps":[{"id":"a","provider":"echo","with":{"pad":""# + String(repeating: "p", count: 200) + #""}}]}}"#
        let limited = try makeRoot()
        try limited.write("droprun.json", #"{ "durability": "fast", "maxRequestBytes": 100 }"#)
        try limited.drop("mid.json", request)
        #expect(try await droprun(["run", "--once"], limited).code == 1)
        #expect(limited.json("outbox/rejected/mid.json.error.json")?["reason"]?.stringValue == "too_large")

        let overridden = try makeRoot()
        try overridden.write("droprun.json", #"{ "durability": "fast", "maxRequestBytes": 100 }"#)
        try overridden.drop("mid.json", request)
        let result = try await droprun(["run", "--once", "--max-request-bytes", "1000"], overridden)
        #expect(result.code == 0, "the command-line flag must win over droprun.json: \(result)")
        #expect(overridden.json("outbox/results/mid.json")?["status"]?.stringValue == "succeeded")
    }

    @Test(arguments: [
        ("deep.json", String(repeating: "[", count: 100_000), "invalid_json", nil),
        ("empty.json", "", "invalid_json", nil),
        ("array.json", "[1, 2]", "invalid_request", nil),
        ("bad-id.json", #"{"id":"../x","workflow":{"name":"w","steps":[{"id":"a","provider":"echo","with":{}}]}}"#, "invalid_id", "$.id"),
        ("bad name!.json", #"{"workflow":{"name":"w","steps":[{"id":"a","provider":"echo","with":{}}]}}"#, "invalid_id", nil),
        ("no-workflow.json", #"{"id":"nw"}"#, "invalid_request", "$.workflow"),
        ("no-steps.json", #"{"workflow":{"name":"w","steps":[]}}"#, "invalid_request", "$.workflow.steps"),
        ("twin-steps.json", #"{"workflow":{"name":"w","steps":[{"id":"a","provider":"echo","with":{}},{"id":"a","provider":"echo","with":{}}]}}"#, "invalid_request", "$.workflow.steps[1].id"),
        ("unsafe-artifact.json", #"{"workflow":{"name":"w","steps":[{"id":"a","provider":"artifact","with":{"name":"../evil.txt","content":"x"}}]}}"#, "invalid_request", "$.workflow.steps[0].with.name"),
        ("unknown-model.json", #"{"workflow":{"name":"w","steps":[{"id":"a","provider":"llm","with":{"model":"stub-smal","prompt":"x"}}]}}"#, "invalid_request", "$.workflow.steps[0].with.model"),
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
            #expect(error["errors"]?.arrayValue?.contains { $0["path"]?.stringValue == path } == true, "\(name): errors do not name \(path): \(String(describing: error["errors"]))")
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

    @Test func artifactNamesFromReferencesStayInsideTheRunFolder() async throws {
        let root = try makeRoot()
        let outside = try TemporaryRoot(initialized: false)
        for (id, name) in [("esc-up", "../../escape.txt"), ("esc-abs", outside.file("abs.txt")), ("esc-back", "a\\\\b.txt")] {
            try root.drop(id + ".json", """
                {"workflow":{"name":"w","steps":[{"id":"save","provider":"artifact","with":{"name":"{{input.n}}","content":"x"}}]},"input":{"n":"\(name)"}}
                """)
        }
        let result = try await droprun(["run", "--once"], root)
        #expect(result.code == 1, "\(result)")
        for id in ["esc-up", "esc-abs", "esc-back"] {
            let record = root.json("outbox/results/\(id).json")
            #expect(record?["status"]?.stringValue == "failed", "\(id) did not fail")
            #expect(record?["error"]?["step"]?.stringValue == "save")
        }
        #expect(!root.exists("escape.txt") && !root.exists("artifacts/escape.txt") && !outside.exists("abs.txt"), "an artifact was written outside its run's folder")
    }

    @Test func stepAndRunTimeoutsFailTheRunWithTheirCodes() async throws {
        let root = try makeRoot()
        try root.drop("slow-step.json", #"{"workflow":{"name":"w","steps":[{"id":"s","provider":"delay","with":{"ms":30000},"timeoutMs":100}]}}"#)
        try root.drop("slow-run.json", #"{"timeoutSeconds":0.3,"workflow":{"name":"w","steps":[{"id":"s","provider":"delay","with":{"ms":30000}}]}}"#)
        let result = try await binary(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 20)
        #expect(result.code == 1)
        #expect(result.seconds < 15, "a timed-out step kept run --once busy for \(result.seconds) s")
        #expect(root.json("outbox/results/slow-step.json")?["error"]?["code"]?.stringValue == "step_timeout")
        #expect(root.json("outbox/results/slow-run.json")?["error"]?["code"]?.stringValue == "run_timeout")
    }

    @Test func referencesNamedWorkflowsAndTheStubModel() async throws {
        let root = try makeRoot()
        try root.write("workflows/summarize.json", """
            {"name":"summarize","version":"7","steps":[
              {"id":"sum","provider":"llm","with":{"model":"stub-small","prompt":"Summarize: {{input.text}}"}},
              {"id":"pack","provider":"echo","with":{"whole":"{{steps.sum.output}}","inline":"run {{run.id}}: {{steps.sum.output.model}}"}}]}
            """)
        try root.drop("sum-1.json", #"{"workflow":"summarize","input":{"text":"a long text"}}"#)
        try root.drop("sum-2.json", #"{"workflow":"summarize","input":{"text":"a long text"}}"#)
        try root.drop("missing-ref.json", #"{"workflow":{"name":"w","steps":[{"id":"t","provider":"template","with":{"template":"x{{input.nope}}y"}}]}}"#)
        let result = try await droprun(["run", "--once"], root)
        #expect(result.code == 1, "\(result)")

        let one = try #require(root.json("outbox/results/sum-1.json"))
        let two = try #require(root.json("outbox/results/sum-2.json"))
        #expect(one["status"]?.stringValue == "succeeded")
        #expect(one["workflow"]?["name"]?.stringValue == "summarize" && one["workflow"]?["version"]?.stringValue == "7")
        let sum1 = one["steps"]?.arrayValue?.first?["output"]
        let sum2 = two["steps"]?.arrayValue?.first?["output"]
        #expect(sum1 != nil && sum1 == sum2, "the stub model is not deterministic: \(String(describing: sum1)) vs \(String(describing: sum2))")
        #expect(sum1?["text"]?.stringValue?.isEmpty == false)
        #expect(sum1?["usage"]?["promptTokens"]?.intValue != nil && sum1?["usage"]?["completionTokens"]?.intValue != nil)
        #expect(one["output"]?["whole"] == sum1, "a whole-string reference must keep the JSON value")
        #expect(one["output"]?["inline"]?.stringValue == "run sum-1: stub-small")

        let missing = try #require(root.json("outbox/results/missing-ref.json"))
        #expect(missing["status"]?.stringValue == "failed", "a missing reference must fail its step, not become an empty string")
        #expect(missing["error"]?["step"]?.stringValue == "t")
        #expect(missing["steps"]?.arrayValue?.first?["output"] == nil)
    }

    @Test func credentialsNeverReachTheDisk() async throws {
        let root = try makeRoot()
        let secret = "e2e-sekrit-\(UUID().uuidString)"
        try root.write("droprun.json", #"{ "durability": "fast", "providers": { "llm": { "models": { "stub-small": { "apiKeyEnv": "E2E_LLM_KEY" } } } } }"#)
        try root.drop("cred.json", #"{"workflow":{"name":"w","steps":[{"id":"s","provider":"llm","with":{"model":"stub-small","prompt":"hi"}}]}}"#)
        let result = try await binary(["run", "--once"], root: root.path, environment: ["E2E_LLM_KEY": secret], workingDirectory: nil, timeout: 30)
        #expect(result.code == 0, "\(result)")
        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        var leaked: [String] = []
        while let name = enumerator?.nextObject() as? String {
            if let content = text(root.file(name)), content.contains(secret) { leaked.append(name) }
        }
        #expect(leaked.isEmpty, "the credential was written to \(leaked)")
    }

    /// Section 4: every built-in provider of the contract is known (exec once the configuration names an alias).
    @Test(arguments: [
        #"{"id":"e","provider":"echo","with":{"a":1}}"#,
        #"{"id":"t","provider":"template","with":{"template":"x"}}"#,
        #"{"id":"t","provider":"transform","with":{"value":"a b","op":"wordCount"}}"#,
        #"{"id":"l","provider":"llm","with":{"model":"stub-large","prompt":"p","maxTokens":5}}"#,
        #"{"id":"a","provider":"artifact","with":{"name":"a.json","json":{"k":1},"mediaType":"application/json"}}"#,
        #"{"id":"f","provider":"fail","with":{"code":"c","message":"m"}}"#,
        #"{"id":"d","provider":"delay","with":{"ms":1}}"#,
        #"{"id":"ap","provider":"approval","with":{"message":"ok?","expiresAfterSeconds":60}}"#,
        #"{"id":"x","provider":"exec","with":{"command":"wc","args":["-c"],"input":{"k":1}}}"#,
    ])
    func contractProvidersAreKnown(_ step: String) async throws {
        let root = try makeRoot()
        try root.write("droprun.json", #"{ "durability": "fast", "providers": { "exec": { "commands": { "wc": { "path": "/usr/bin/wc" } } } } }"#)
        try root.write("req.json", #"{"workflow":{"name":"w","steps":[\#(step)]}}"#)
        let result = try await droprun(["validate", "req.json"], root)
        #expect(result.code == 0, "\(result.stdout) \(result.stderr)")
    }

    /// Section 11: a runner killed mid-run; the next `run --once` resumes the run without re-running finished steps.
    @Test func killedRunIsResumedByTheNextRunOnce() async throws {
        let root = try makeRoot()
        try root.write("droprun.json", #"{ "durability": "fast", "leaseSeconds": 1 }"#)
        try root.drop("crash.json", """
            {"workflow":{"name":"w","steps":[
              {"id":"first","provider":"echo","with":{"x":1}},
              {"id":"slow","provider":"delay","with":{"ms":1500}},
              {"id":"last","provider":"echo","with":{}}]}}
            """)
        let child = try BuiltBinary.start(["run", "--once"], root: root.path)
        let deadline = Date().addingTimeInterval(10)
        var checkpointed = false
        while Date() < deadline, !checkpointed {
            checkpointed = root.json("outbox/running/crash.json")?["steps"]?.arrayValue?.first?["status"]?.stringValue == "succeeded"
            if !checkpointed { try await Task.sleep(for: .milliseconds(20)) }
        }
        kill(child.processIdentifier, SIGKILL)
        _ = try? await waitFor(child, timeout: 10)
        try #require(checkpointed, "the first step was never checkpointed in outbox/running/crash.json")
        try #require(!root.exists("outbox/results/crash.json"), "the run finished before it could be killed")

        try await Task.sleep(for: .milliseconds(1300))  // past the lease
        let restart = try await binary(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 20)
        let record = root.json("outbox/results/crash.json")
        #expect(record?["status"]?.stringValue == "succeeded", "the killed run was not resumed: \(restart.stdout) \(restart.stderr); running: \(root.read("outbox/running/crash.json") ?? "-")")
        #expect(restart.code == 0)
        #expect(!root.exists("outbox/running/crash.json"))
        let firstStarts = auditEvents(root).filter {
            $0["runId"]?.stringValue == "crash" && $0["event"]?.stringValue == "step.started" && $0["data"]?["step"]?.stringValue == "first"
        }
        #expect(firstStarts.count == 1, "a finished step ran again after the restart")
        #expect(auditEvents(root).contains { $0["runId"]?.stringValue == "crash" && $0["event"]?.stringValue == "run.recovered" }, "no run.recovered event")
    }

    /// Section 6: a request still waiting in the inbox can be cancelled; it ends `cancelled` without any step running.
    @Test func cancelDroppedForAWaitingRequestCancelsIt() async throws {
        let root = try makeRoot()
        try root.drop("waiting.json", echoRequest(id: "waiting"))
        try root.drop("stop.json", #"{"kind":"cancel","runId":"waiting"}"#)
        let now = Date()
        try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-20)], ofItemAtPath: root.file("inbox/waiting.json"))
        try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-10)], ofItemAtPath: root.file("inbox/stop.json"))
        let result = try await droprun(["run", "--once"], root)
        #expect(result.code == 1, "a cancelled run makes run --once exit 1: \(result)")
        #expect(root.json("outbox/results/waiting.json")?["status"]?.stringValue == "cancelled", "the waiting request was not cancelled: \(result.stdout)")
        let started = auditEvents(root).filter { $0["runId"]?.stringValue == "waiting" && $0["event"]?.stringValue == "step.started" }
        #expect(started.isEmpty, "a step of the cancelled request ran")
    }

    /// Section 6: a cancel dropped while `run --once` works on the run is read at once and interrupts the current step.
    @Test func cancelDroppedWhileARunIsRunningInterruptsIt() async throws {
        let root = try makeRoot()
        try root.drop("long.json", """
            {"workflow":{"name":"w","steps":[
              {"id":"first","provider":"echo","with":{}},
              {"id":"slow","provider":"delay","with":{"ms":30000}},
              {"id":"never","provider":"echo","with":{}}]}}
            """)
        let child = try BuiltBinary.start(["run", "--once"], root: root.path)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !root.exists("outbox/running/long.json") { try await Task.sleep(for: .milliseconds(20)) }
        try root.write("inbox/.stop.json.tmp", #"{"kind":"cancel","runId":"long"}"#)
        #expect(rename(root.file("inbox/.stop.json.tmp"), root.file("inbox/stop.json")) == 0)
        let result = try await waitFor(child, timeout: 20)
        let record = root.json("outbox/results/long.json")
        #expect(record?["status"]?.stringValue == "cancelled", "the cancel did not stop the run: \(result.stdout)")
        // Far under the 30 s step; a loose bound, as the test machine may be busy.
        #expect(result.seconds < 15, "the current step was not interrupted (run --once took \(result.seconds) s)")
        #expect(result.code == 1, "a cancelled run makes run --once exit 1")
        #expect(record?["steps"]?.arrayValue?.last?["status"]?.stringValue == "skipped")
    }

    /// Section 6: an approval step waits; a dropped approval (or rejection) resumes the run.
    @Test func approvalFilesResumeAWaitingRun() async throws {
        let root = try makeRoot()
        for id in ["ask-yes", "ask-no"] {
            try root.drop(id + ".json", """
                {"id":"\(id)","workflow":{"name":"w","steps":[
                  {"id":"ask","provider":"approval","with":{"message":"ship it?"}},
                  {"id":"after","provider":"echo","with":{"decision":"{{steps.ask.output.decision}}"}}]}}
                """)
        }
        let first = try await droprun(["run", "--once"], root)
        #expect(first.code != 2, "\(first)")
        for id in ["ask-yes", "ask-no"] {
            #expect(parse(try await droprun(["status", id, "--json"], root).stdout)?["status"]?.stringValue == "waiting_approval")
            #expect(!root.exists("outbox/results/\(id).json"))
        }
        try root.drop("yes.json", #"{"kind":"approval","runId":"ask-yes","decision":"approve","by":"alice","note":"fine"}"#)
        try root.drop("no.json", #"{"kind":"approval","runId":"ask-no","decision":"reject","by":"bob","note":"not yet"}"#)
        let second = try await droprun(["run", "--once"], root)
        #expect(second.code == 1, "a rejected approval fails its run, so run --once exits 1: \(second)")

        let yes = try #require(root.json("outbox/results/ask-yes.json"), "ask-yes did not finish: \(second.stdout)")
        #expect(yes["status"]?.stringValue == "succeeded")
        let ask = yes["steps"]?.arrayValue?.first?["output"]
        #expect(ask?["decision"]?.stringValue == "approve" && ask?["by"]?.stringValue == "alice" && ask?["note"]?.stringValue == "fine", "\(String(describing: ask))")
        #expect(yes["output"]?["decision"]?.stringValue == "approve")
        let no = try #require(root.json("outbox/results/ask-no.json"), "ask-no did not finish: \(second.stdout)")
        #expect(no["status"]?.stringValue == "failed")
        #expect(no["error"]?["step"]?.stringValue == "ask")

        let events = auditEvents(root).filter { $0["runId"]?.stringValue == "ask-yes" }.compactMap { $0["event"]?.stringValue }
        for name in ["run.waiting_approval", "approval.received", "run.resumed", "run.succeeded"] {
            #expect(events.contains(name), "no \(name) for ask-yes: \(events)")
        }
        #expect(try await droprun(["audit", "verify"], root).code == 0)
    }

    // MARK: - Acting on runs: retry, cancel, approve, reject, watch

    @Test func retryRunsTheOriginalBytesAgainAsANewRun() async throws {
        let root = try makeRoot()
        let request = #"{"id":"again","workflow":{"name":"w","steps":[{"id":"a","provider":"fail","with":{"code":"flaky","message":"no"}}]}}"#
        try root.drop("again.json", request)
        #expect(try await droprun(["run", "--once"], root).code == 1)
        let firstResult = try #require(bytes(root.file("outbox/results/again.json")))

        let retried = try await droprun(["retry", "again"], root)
        #expect(retried.code == 0, "\(retried)")
        #expect(retried.stdout.contains("again.r1"))
        #expect(bytes(root.file("outbox/requests/again.r1.json")) == Array(request.utf8), "the retry does not hold the original bytes")
        #expect(try await droprun(["run", "--once"], root).code == 1)
        let retry = try #require(root.json("outbox/results/again.r1.json"), "the retry never ran")
        #expect(retry["retryOf"]?.stringValue == "again")
        #expect(retry["runId"]?.stringValue == "again.r1")
        #expect(bytes(root.file("outbox/results/again.json")) == firstResult, "the original result was replaced")

        let second = try await droprun(["retry", "again"], root)
        #expect(second.code == 0 && second.stdout.contains("again.r2"), "\(second)")
        let unknown = try await droprun(["retry", "never-was"], root)
        #expect(unknown.code == 1 && unknown.stderr.contains("never-was"), "\(unknown)")
    }

    @Test func cancelCommandCancelsARequestWaitingInTheInbox() async throws {
        let root = try makeRoot()
        try root.drop("later.json", echoRequest(id: "later"))
        let cancelled = try await droprun(["cancel", "later"], root)
        #expect(cancelled.code == 0, "\(cancelled)")
        let ran = try await droprun(["run", "--once"], root)
        #expect(ran.code == 1, "a cancelled run makes run --once exit 1: \(ran)")
        let record = try #require(root.json("outbox/results/later.json"), "\(ran.stdout)")
        #expect(record["status"]?.stringValue == "cancelled")
        let started = auditEvents(root).filter { $0["runId"]?.stringValue == "later" && $0["event"]?.stringValue == "step.started" }
        #expect(started.isEmpty, "a step of the cancelled request ran")
        #expect(auditEvents(root).contains { $0["runId"]?.stringValue == "later" && $0["event"]?.stringValue == "run.cancelled" })

        let finished = try await droprun(["cancel", "later"], root)
        #expect(finished.code == 1, "cancelling a finished run must fail: \(finished)")
        let unknown = try await droprun(["cancel", "never-was"], root)
        #expect(unknown.code == 1 && unknown.stderr.contains("never-was"), "\(unknown)")
    }

    @Test func approveAndRejectCommandsResumeWaitingRuns() async throws {
        let root = try makeRoot()
        for id in ["cmd-yes", "cmd-no"] {
            try root.drop(id + ".json", """
                {"id":"\(id)","workflow":{"name":"w","steps":[
                  {"id":"ask","provider":"approval","with":{"message":"ship it?"}},
                  {"id":"after","provider":"echo","with":{"by":"{{steps.ask.output.by}}"}}]}}
                """)
        }
        _ = try await droprun(["run", "--once"], root)
        let approved = try await droprun(["approve", "cmd-yes", "--by", "alice", "--note", "fine"], root)
        #expect(approved.code == 0, "\(approved)")
        let rejected = try await droprun(["reject", "cmd-no", "--by", "bob"], root)
        #expect(rejected.code == 0, "\(rejected)")
        let ran = try await droprun(["run", "--once"], root)
        #expect(ran.code == 1, "a rejected run failed, so run --once exits 1: \(ran)")
        let yes = try #require(root.json("outbox/results/cmd-yes.json"), "\(ran.stdout)")
        #expect(yes["status"]?.stringValue == "succeeded")
        #expect(yes["output"]?["by"]?.stringValue == "alice")
        #expect(yes["steps"]?.arrayValue?.first?["output"]?["note"]?.stringValue == "fine")
        #expect(root.json("outbox/results/cmd-no.json")?["status"]?.stringValue == "failed")

        let again = try await droprun(["approve", "cmd-yes"], root)
        #expect(again.code == 1, "approving a finished run must fail: \(again)")
        for verb in ["approve", "reject"] {
            let unknown = try await droprun([verb, "never-was"], root)
            #expect(unknown.code == 1 && unknown.stderr.contains("never-was"), "\(verb): \(unknown)")
        }
    }

    @Test func watchServesDropsAndStopsCleanlyOnSIGTERMAndSIGINT() async throws {
        for signal in [SIGTERM, SIGINT] {
            let root = try makeRoot()
            let watcher = try BuiltBinary.start(["watch", "--poll-interval-ms", "50"], root: root.path)
            try await Task.sleep(for: .milliseconds(200))
            try root.write("inbox/.served.json.tmp", echoRequest(id: "served"))
            #expect(rename(root.file("inbox/.served.json.tmp"), root.file("inbox/served.json")) == 0)
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !root.exists("outbox/results/served.json") { try await Task.sleep(for: .milliseconds(20)) }
            #expect(root.json("outbox/results/served.json")?["status"]?.stringValue == "succeeded", "watch did not run the drop")
            kill(watcher.processIdentifier, signal)
            let result = try await waitFor(watcher, timeout: 15)
            #expect(result.code == 0, "watch must exit 0 on signal \(signal): \(result.stdout) \(result.stderr)")
            #expect(try await droprun(["audit", "verify"], root).code == 0)
        }
    }
}

// MARK: - Helpers

/// A fresh root with every folder and `"durability": "fast"`.
private func makeRoot() throws -> TemporaryRoot {
    let root = try TemporaryRoot()
    try root.write("droprun.json", #"{ "durability": "fast" }"#)
    return root
}

/// Runs the built `droprun` on `root`.
private func droprun(_ args: [String], _ root: TemporaryRoot, stdin: String? = nil) async throws -> (code: Int32, stdout: String, stderr: String) {
    let path = root.path
    return try await offThePool { try BuiltBinary.run(args, root: path, stdin: stdin) }
}

/// `BuiltBinary.run` with a time limit, waited for off the cooperative thread pool.
private func binary(
    _ args: [String], root: String?, stdin: String? = nil, environment: [String: String] = [:], workingDirectory: String?, timeout: Double
) async throws -> BuiltBinary.Output {
    try await offThePool {
        try BuiltBinary.run(args, root: root, stdin: stdin, environment: environment, workingDirectory: workingDirectory, timeout: timeout)
    }
}

/// Waits for a started child off the cooperative thread pool.
private func waitFor(_ child: RunningDroprun, timeout: Double) async throws -> BuiltBinary.Output {
    try await offThePool { try child.wait(timeout: timeout) }
}

/// Runs blocking work (waiting for a child process) on its own thread, so the
/// tests never hold one of Swift concurrency's few threads while a child runs.
private func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// A one-step echo request.
private func echoRequest(id: String?, value: String = "v") -> String {
    let idMember = id.map { #""id":"\#($0)","# } ?? ""
    return #"{\#(idMember)"workflow":{"name":"echo-once","version":"1","steps":[{"id":"say","provider":"echo","with":{"value":"\#(value)"}}]},"input":{}}"#
}

/// A request naming the provider `lmm`, which does not exist.
private func badProviderRequest(id: String) -> String {
    #"{"id":"\#(id)","workflow":{"name":"w","steps":[{"id":"a","provider":"lmm","with":{"model":"stub-small","prompt":"hi"}}]}}"#
}

/// A root with one finished run (`tamper-me`) and its single audit chain: the file name and its lines.
private func auditedRoot() async throws -> (TemporaryRoot, String, [String]) {
    let root = try makeRoot()
    try root.drop("tamper-me.json", """
        {"id":"tamper-me","workflow":{"name":"w","steps":[
          {"id":"a","provider":"echo","with":{"x":1}},
          {"id":"b","provider":"artifact","with":{"name":"b.txt","content":"bee"}}]}}
        """)
    let ran = try await droprun(["run", "--once"], root)
    #expect(ran.code == 0)
    let verified = try await droprun(["audit", "verify"], root)
    #expect(verified.code == 0, "the untouched chain must verify: \(verified)")
    let files = allEntries(root.file("outbox/audit")).filter { $0.hasSuffix(".jsonl") }
    let file = try #require(files.count == 1 ? files.first : nil, "expected one audit chain, found \(files)")
    let lines = (text(root.file("outbox/audit/" + file)) ?? "").split(separator: "\n").map(String.init)
    try #require(lines.count >= 5, "expected at least 5 audit events, found \(lines.count)")
    return (root, file, lines)
}

/// Writes lines, each ending in a newline.
private func writeLines(_ lines: [String], to path: String) throws {
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
}

/// Checks that `audit verify` fails and names `file` and `line`, in text and JSON.
private func expectBrokenChain(_ root: TemporaryRoot, file: String, line: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let textual = try await droprun(["audit", "verify"], root)
    #expect(textual.code == 1, "audit verify passed a damaged chain: \(textual.stdout)", sourceLocation: sourceLocation)
    let message = textual.stdout + textual.stderr
    #expect(message.contains(file), "the message does not name the file \(file): \(message)", sourceLocation: sourceLocation)
    #expect(message.contains("\(file):\(line)") || message.contains("line \(line)"), "the message does not name line \(line): \(message)", sourceLocation: sourceLocation)

    let json = try await droprun(["audit", "verify", "--json"], root)
    #expect(json.code == 1, sourceLocation: sourceLocation)
    let report = try #require(parse(json.stdout), "audit verify --json is not JSON: \(json.stdout)", sourceLocation: sourceLocation)
    #expect(report["ok"]?.boolValue == false, sourceLocation: sourceLocation)
    let problem = report["problems"]?.arrayValue?.first { $0["file"]?.stringValue?.hasSuffix(file) == true }
    #expect(problem?["line"]?.intValue == line, "problems: \(String(describing: report["problems"]))", sourceLocation: sourceLocation)
}

/// Every audit event of the root, parsed, in file then line order.
private func auditEvents(_ root: TemporaryRoot) -> [JSONValue] {
    allEntries(root.file("outbox/audit")).filter { $0.hasSuffix(".jsonl") }.flatMap { name in
        (text(root.file("outbox/audit/" + name)) ?? "").split(separator: "\n").compactMap { parse(String($0)) }
    }
}

private func parse(_ text: String) -> JSONValue? { try? JSONParser.parse(Array(text.utf8)) }

private func bytes(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }

private func text(_ path: String) -> String? { bytes(path).map { String(decoding: $0, as: UTF8.self) } }

private func json(_ path: String) -> JSONValue? { bytes(path).flatMap { try? JSONParser.parse($0) } }

/// Every name in a folder, hidden ones included, sorted; empty when it does not exist.
private func allEntries(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}

private func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// The `S_IFMT` bits of what is at `path` (links not followed); 0 when nothing is there.
private func fileType(_ path: String) -> mode_t {
    var st = stat()
    return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0
}

/// RFC 3339 UTC with milliseconds: `2026-11-22T10:00:00.123Z`.
private func isTimestamp(_ value: JSONValue?) -> Bool {
    guard let s = value?.stringValue else { return false }
    return s.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z/) != nil
}

/// The value with every RFC 3339 time and every `durationMs` replaced by a placeholder.
private func withoutTimes(_ value: JSONValue) -> JSONValue {
    switch value {
    case .string where isTimestamp(value): return .string("<time>")
    case .array(let items): return .array(items.map(withoutTimes))
    case .object(let members):
        return .object(Dictionary(uniqueKeysWithValues: members.map { key, member in
            (key, key == "durationMs" && member != .null ? JSONValue.string("<duration>") : withoutTimes(member))
        }))
    default: return value
    }
}

/// 64 lowercase hex digits.
private func isHash(_ value: JSONValue?) -> Bool {
    guard let s = value?.stringValue else { return false }
    return s.wholeMatch(of: /[0-9a-f]{64}/) != nil
}
