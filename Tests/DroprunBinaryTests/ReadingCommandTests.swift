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
    /// The reading commands (`status`, `show`, `list`, `artifacts`, `audit`) as real processes, in text and JSON.
    ///
    /// Every test works on its own fresh root with `"durability": "fast"`.
    @Suite(.serialized) struct ReadingCommandTests {
        @Test func readingCommandsInTextAndJSON() async throws {
            let root = try makeRoot()
            try root.drop(
                "read-ok.json",
                """
                {"id":"read-ok","workflow":{"name":"reader","version":"1","steps":[
                  {"id":"note","provider":"echo","with":{"n":1}},
                  {"id":"save","provider":"artifact","with":{"name":"note.json","json":{"n":1}}}]}}
                """)
            try root.drop(
                "read-fail.json",
                """
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
            #expect(
                parse(showJSON.stdout).map(withoutTimes) == root.json("outbox/results/read-ok.json").map(withoutTimes),
                "show --json is not the run's record")

            // list
            let listed = try #require(parse(try await droprun(["list", "--json"], root).stdout)?.arrayValue)
            let statuses = Dictionary(
                listed.compactMap { row in row["runId"]?.stringValue.map { ($0, row["status"]?.stringValue ?? "?") } },
                uniquingKeysWith: { a, _ in a })
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
            let viaEnvironment = try await binary(
                ["list", "--json"], root: nil, environment: ["DROPRUN_ROOT": root.path], workingDirectory: outside.path, timeout: 30)
            #expect(viaEnvironment.code == 0)
            #expect(parse(viaEnvironment.stdout)?.arrayValue?.count == 3, "DROPRUN_ROOT was not used: \(viaEnvironment.stdout)")

            // artifacts
            let manifest = try #require(root.json("artifacts/read-ok/manifest.json"))
            let artifactsJSON = try await droprun(["artifacts", "read-ok", "--json"], root)
            #expect(artifactsJSON.code == 0)
            #expect(parse(artifactsJSON.stdout) == manifest["artifacts"], "artifacts --json differs from the manifest")
            let artifactsText = try await droprun(["artifacts", "read-ok"], root)
            #expect(artifactsText.code == 0 && artifactsText.stdout.contains("note.json"))
            let sha = try #require(manifest["artifacts"]?.arrayValue?.first?["sha256"]?.stringValue, "the manifest lists no artifact: \(manifest)")
            #expect(artifactsText.stdout.contains(sha))
            #expect(SHA256.hex(bytes(root.file("artifacts/read-ok/note.json")) ?? []) == sha)
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
            #expect(
                chains.first.map {
                    (parse(String((text(root.file("outbox/audit/" + $0)) ?? "").split(separator: "\n").first ?? "")))?["prev"]?.stringValue
                } == String(repeating: "0", count: 64), "a chain's first event must have prev = 64 zeros")
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
            // Without a request and a step to change, the checks below would compare the record with itself.
            guard case .object(var request) = record["request"], case .array(var steps) = record["steps"], case .object(var step) = steps.first else {
                Issue.record("the record has no request object or no step: \(JSONValue.object(record))")
                return
            }
            request["receivedAt"] = "2026-11-22T01:29:33.001Z"
            record["request"] = .object(request)
            step["startedAt"] = "2026-11-22T01:29:33.015Z"
            step["finishedAt"] = "2026-11-22T01:29:33.022Z"
            step["durationMs"] = 7
            steps[0] = .object(step)
            record["steps"] = .array(steps)
            let written = JSONValue.object(record)
            try Data(JSONWriter.prettyBytes(written)).write(to: URL(fileURLWithPath: root.file("outbox/results/times.json")))

            let shown = try #require(parse(try await droprun(["show", "times", "--json"], root).stdout))
            for key in ["createdAt", "startedAt", "finishedAt"] {
                #expect(shown[key] == written[key], "show --json changed \(key)")
            }
            #expect(shown["durationMs"] == written["durationMs"], "show --json changed durationMs")
            #expect(shown["request"]?["receivedAt"] == written["request"]?["receivedAt"], "show --json changed request.receivedAt")
            #expect(
                shown["steps"]?.arrayValue?.first?["durationMs"] == written["steps"]?.arrayValue?.first?["durationMs"],
                "show --json changed steps[0].durationMs")
            #expect(
                shown["steps"]?.arrayValue?.first?["startedAt"] == written["steps"]?.arrayValue?.first?["startedAt"],
                "show --json changed steps[0].startedAt")
            // A result edited by hand reaches list (which reads the history index) once the index is rebuilt.
            #expect(try await droprun(["reindex"], root).code == 0)
            let listed = try #require(parse(try await droprun(["list", "--json"], root).stdout)?.arrayValue?.first)
            #expect(listed["createdAt"] == written["createdAt"], "list --json changed createdAt")
            let text = try await droprun(["show", "times"], root).stdout
            #expect(text.contains("2026-11-22T01:29:33.002Z") && text.contains("2026-11-22T01:29:33.897Z"), "show changed the times: \(text)")
        }
    }
}
