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
    /// `droprun run --once` as a real process: results, requests, artifacts, audit, order, settling, limits, two runners at once, a killed runner.
    ///
    /// Every test works on its own fresh root with `"durability": "fast"`.
    @Suite(.serialized) struct RunOnceCommandTests {
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
            #expect(
                record["request"]?.objectValue?.values.contains { isTimestamp($0) } == true,
                "request has no received time: \(String(describing: record["request"]))")
            for key in ["createdAt", "startedAt", "finishedAt"] {
                #expect(isTimestamp(record[key]), "\(key) is not RFC 3339 UTC with milliseconds: \(String(describing: record[key]))")
            }
            if let created = record["createdAt"]?.stringValue, let started = record["startedAt"]?.stringValue,
                let finished = record["finishedAt"]?.stringValue
            {
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
            try root.drop(
                "e2e-fail.json",
                """
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
            try root.drop(
                "e2e-retry.json",
                """
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

        @Test func twoRunOnceProcessesNeverRunARequestTwice() async throws {
            let root = try makeRoot()
            let ids = (1...50).map { String(format: "conc-%02d", $0) }
            for id in ids {
                // A short pause per run keeps both runners busy at the same time.
                try root.drop(
                    id + ".json",
                    #"{"id":"\#(id)","workflow":{"name":"w","steps":[{"id":"say","provider":"echo","with":{"id":"{{run.id}}"}},{"id":"pause","provider":"delay","with":{"ms":5}}]}}"#
                )
            }

            let first = try BuiltBinary.start(["run", "--once"], root: root.path)
            let second = try BuiltBinary.start(["run", "--once"], root: root.path)
            let a = try await waitFor(first, timeout: 60)
            let b = try await waitFor(second, timeout: 60)
            #expect(a.code == 0, "first: \(a.stdout) \(a.stderr)")
            #expect(b.code == 0, "second: \(b.stdout) \(b.stderr)")

            #expect(
                Set(allEntries(root.file("outbox/results"))) == Set(ids.map { $0 + ".json" }), "results: \(allEntries(root.file("outbox/results")))")
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
                try FileManager.default.setAttributes(
                    [.modificationDate: now.addingTimeInterval(-drop.age)], ofItemAtPath: root.file("inbox/" + drop.name))
            }
            let result = try await droprun(["run", "--once", "--concurrency", "1"], root)
            #expect(result.code == 0, "\(result)")
            let order = auditEvents(root).filter { $0["event"]?.stringValue == "run.queued" }.compactMap { $0["runId"]?.stringValue }
            #expect(order == ["c-old", "a-mid", "y-new", "z-new"])
        }

        @Test func filesDroppedDuringARunAreTakenBeforeItExits() async throws {
            let root = try makeRoot()
            try root.drop("slow.json", #"{"workflow":{"name":"w","steps":[{"id":"wait","provider":"delay","with":{"ms":1000}}]}}"#)
            let child = try BuiltBinary.start(["run", "--once"], root: root.path)
            // The late file lands only once the slow run was claimed and is running, never before the claim.
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !root.exists("outbox/running/slow.json") { try await Task.sleep(for: .milliseconds(10)) }
            try root.write("inbox/.late.json.tmp", echoRequest(id: "late"))
            #expect(rename(root.file("inbox/.late.json.tmp"), root.file("inbox/late.json")) == 0)
            let landedDuringTheRun = root.exists("outbox/running/slow.json") && !root.exists("outbox/results/slow.json")
            let result = try await waitFor(child, timeout: 20)
            try #require(landedDuringTheRun, "the late file did not land while the slow run ran (the test did not test anything)")
            #expect(result.code == 0, "\(result.stdout) \(result.stderr)")
            #expect(root.json("outbox/results/slow.json")?["status"]?.stringValue == "succeeded")
            #expect(
                root.json("outbox/results/late.json")?["status"]?.stringValue == "succeeded", "a file dropped while run --once worked was left behind"
            )
            // The order on disk says so too: the slow run started before the late one was queued.
            let events = auditEvents(root).compactMap { event -> String? in
                guard let run = event["runId"]?.stringValue, let name = event["event"]?.stringValue else { return nil }
                return run + " " + name
            }
            let slowStarted = try #require(events.firstIndex(of: "slow run.started"), "\(events)")
            let lateQueued = try #require(events.firstIndex(of: "late run.queued"), "\(events)")
            #expect(slowStarted < lateQueued, "the late file was queued before the slow run started: \(events)")
        }

        @Test func settleMsWaitsUntilTheFileIsUnchanged() async throws {
            let root = try makeRoot()
            try root.write("droprun.json", #"{ "durability": "fast", "settleMs": 600 }"#)
            try root.drop("fresh.json", echoRequest(id: "fresh"))
            let changed = Date()
            try FileManager.default.setAttributes([.modificationDate: changed], ofItemAtPath: root.file("inbox/fresh.json"))
            let result = try await binary(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 20)
            #expect(result.code == 0, "\(result)")
            let record = try #require(root.json("outbox/results/fresh.json"), "run --once exited without the unsettled file: \(result)")
            #expect(record["status"]?.stringValue == "succeeded")
            #expect(result.seconds >= 0.3, "the file was taken before it had settled (\(result.seconds) s)")
            // The process's own start-up can take longer than the settling time on a busy machine: the record says when the
            // run was admitted, which must be at least settleMs after the file last changed.
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let created = try #require(
                record["createdAt"]?.stringValue.flatMap { formatter.date(from: $0) }, "createdAt: \(record["createdAt"] ?? .null)")
            #expect(
                created.timeIntervalSince(changed) >= 0.55,
                "the run was admitted \(created.timeIntervalSince(changed)) s after the file last changed (settleMs 600)")
        }

        @Test func maxRequestBytesFromTheConfigurationAndTheFlag() async throws {
            let request =
                #"{"workflow":{"name":"w","steps":[{"id":"a","provider":"echo","with":{"pad":""# + String(repeating: "p", count: 200) + #""}}]}}"#
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

        @Test func artifactNamesFromReferencesStayInsideTheRunFolder() async throws {
            let root = try makeRoot()
            let outside = try TemporaryRoot(initialized: false)
            for (id, name) in [("esc-up", "../../escape.txt"), ("esc-abs", outside.file("abs.txt")), ("esc-back", "a\\\\b.txt")] {
                try root.drop(
                    id + ".json",
                    """
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
            #expect(
                !root.exists("escape.txt") && !root.exists("artifacts/escape.txt") && !outside.exists("abs.txt"),
                "an artifact was written outside its run's folder")
        }

        @Test func stepAndRunTimeoutsFailTheRunWithTheirCodes() async throws {
            let root = try makeRoot()
            try root.drop("slow-step.json", #"{"workflow":{"name":"w","steps":[{"id":"s","provider":"delay","with":{"ms":30000},"timeoutMs":100}]}}"#)
            try root.drop(
                "slow-run.json", #"{"timeoutSeconds":0.3,"workflow":{"name":"w","steps":[{"id":"s","provider":"delay","with":{"ms":30000}}]}}"#)
            let result = try await binary(["run", "--once"], root: root.path, workingDirectory: nil, timeout: 20)
            #expect(result.code == 1)
            #expect(result.seconds < 15, "a timed-out step kept run --once busy for \(result.seconds) s")
            #expect(root.json("outbox/results/slow-step.json")?["error"]?["code"]?.stringValue == "step_timeout")
            #expect(root.json("outbox/results/slow-run.json")?["error"]?["code"]?.stringValue == "run_timeout")
        }

        @Test func referencesNamedWorkflowsAndTheStubModel() async throws {
            let root = try makeRoot()
            try root.write(
                "workflows/summarize.json",
                """
                {"name":"summarize","version":"7","steps":[
                  {"id":"sum","provider":"llm","with":{"model":"stub-small","prompt":"Summarize: {{input.text}}"}},
                  {"id":"pack","provider":"echo","with":{"whole":"{{steps.sum.output}}","inline":"run {{run.id}}: {{steps.sum.output.model}}"}}]}
                """)
            try root.drop("sum-1.json", #"{"workflow":"summarize","input":{"text":"a long text"}}"#)
            try root.drop("sum-2.json", #"{"workflow":"summarize","input":{"text":"a long text"}}"#)
            try root.drop(
                "missing-ref.json", #"{"workflow":{"name":"w","steps":[{"id":"t","provider":"template","with":{"template":"x{{input.nope}}y"}}]}}"#)
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
            try root.write(
                "droprun.json", #"{ "durability": "fast", "providers": { "llm": { "models": { "stub-small": { "apiKeyEnv": "E2E_LLM_KEY" } } } } }"#)
            try root.drop(
                "cred.json", #"{"workflow":{"name":"w","steps":[{"id":"s","provider":"llm","with":{"model":"stub-small","prompt":"hi"}}]}}"#)
            let result = try await binary(
                ["run", "--once"], root: root.path, environment: ["E2E_LLM_KEY": secret], workingDirectory: nil, timeout: 30)
            #expect(result.code == 0, "\(result)")
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
            let enumerator = FileManager.default.enumerator(atPath: root.path)
            var leaked: [String] = []
            var scanned: [String] = []
            while let name = enumerator?.nextObject() as? String {
                scanned.append(name)
                if let content = text(root.file(name)), content.contains(secret) { leaked.append(name) }
            }
            // A scan that saw no files would find no leak.
            #expect(scanned.contains("outbox/results/cred.json"), "the scan did not see the run's result: \(scanned)")
            #expect(leaked.isEmpty, "the credential was written to \(leaked)")
        }

        /// Section 11: a runner killed mid-run; the next `run --once` resumes the run without re-running finished steps.
        @Test func killedRunIsResumedByTheNextRunOnce() async throws {
            let root = try makeRoot()
            try root.write("droprun.json", #"{ "durability": "fast", "leaseSeconds": 1 }"#)
            try root.drop(
                "crash.json",
                """
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
            #expect(
                record?["status"]?.stringValue == "succeeded",
                "the killed run was not resumed: \(restart.stdout) \(restart.stderr); running: \(root.read("outbox/running/crash.json") ?? "-")")
            #expect(restart.code == 0)
            #expect(!root.exists("outbox/running/crash.json"))
            let firstStarts = auditEvents(root).filter {
                $0["runId"]?.stringValue == "crash" && $0["event"]?.stringValue == "step.started" && $0["data"]?["step"]?.stringValue == "first"
            }
            #expect(firstStarts.count == 1, "a finished step ran again after the restart")
            #expect(
                auditEvents(root).contains { $0["runId"]?.stringValue == "crash" && $0["event"]?.stringValue == "run.recovered" },
                "no run.recovered event")
        }
    }
}
