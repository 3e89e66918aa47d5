import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

extension RealHTTP {
    /// Notifications: a POST of a run's summary to an operator-allowed endpoint when it ends or begins to wait, retried
    /// with backoff, recorded in the audit, never failing or holding up the run. Against a server on 127.0.0.1.
    @Suite(.timeLimit(.minutes(1))) struct NotifierTests {
        static let secret = "hook-token-5f1a9c"

        func configuration(_ server: LoopbackHTTPServer?, notify: NotificationSettings? = NotificationSettings(endpoint: "hooks", path: "/droprun"))
            -> Configuration
        {
            var c = Configuration.fastForTests
            var settings = HTTPEndpointSettings(baseURL: (server?.baseURL ?? "http://127.0.0.1:1") + "/hooks")
            settings.methods = ["POST"]
            settings.headers = ["Authorization": SecretHeader(env: "HOOK_TOKEN", prefix: "Bearer ")]
            c.httpEndpoints = ["hooks": settings]
            c.notifications = notify.map { n in
                var n = n
                n.backoffMs = 10
                return n
            }
            return c
        }

        @discardableResult
        func run(_ root: TemporaryRoot, _ configuration: Configuration, clock: any RunnerClock = InstantClock()) async throws -> RunOnceSummary {
            var engine = root.engine(clock: clock, configuration: configuration)
            engine.environment = ["HOOK_TOKEN": Self.secret]
            defer { engine.audit.close() }
            return try await Runner(context: engine).runOnce()
        }

        func events(_ root: TemporaryRoot, _ name: String) -> [JSONValue] { root.auditEvents().filter { $0["event"]?.stringValue == name } }

        @Test func aFinishedRunIsPostedAsASummaryAndTheDeliveryAudited() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(202, "{}") }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop(
                "r1.json",
                RequestText.make(id: "r1", steps: [#"{"id": "a", "provider": "echo", "with": {"x": 1}}"#], extra: #""labels": {"team": "ops"}"#))
            try await run(root, configuration(server))
            #expect(root.json("outbox/results/r1.json")?["status"] == "succeeded")
            let request = try #require(server.requests.first)
            #expect(server.requests.count == 1)
            #expect(request.method == "POST")
            #expect(request.path == "/hooks/droprun")
            #expect(request.headers["authorization"] == "Bearer \(Self.secret)")
            #expect(request.headers["content-type"] == "application/json")
            let body = try JSONParser.parse(request.body)
            #expect(body["kind"] == "finished")
            #expect(body["runId"] == "r1")
            #expect(body["status"] == "succeeded")
            #expect(body["workflow"]?["name"] == "test")
            #expect(body["labels"] == ["team": "ops"])
            #expect(body["error"] == .null)
            #expect(body["record"] == "outbox/results/r1.json")
            let sent = try #require(events(root, "notification.sent").first)
            #expect(sent["runId"] == "r1")
            #expect(sent["data"]?["status"] == 202)
            #expect(sent["data"]?["attempts"] == 1)
            #expect(sent["data"]?["endpoint"] == "hooks")
            #expect(root.filesHolding(Self.secret).isEmpty, "the secret is on no file: \(root.filesHolding(Self.secret))")
        }

        @Test func aFailedRunSaysItsError() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(200, "{}") }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop(
                "r2.json", RequestText.make(id: "r2", steps: [#"{"id": "boom", "provider": "fail", "with": {"code": "bad_thing", "message": "no"}}"#])
            )
            try await run(root, configuration(server))
            let body = try JSONParser.parse(try #require(server.requests.first).body)
            #expect(body["status"] == "failed")
            #expect(body["error"]?["code"] == "bad_thing")
            #expect(body["error"]?["step"] == "boom")
            #expect(body["error"]?["message"] == "no")
        }

        @Test func aRunThatBeginsToWaitSaysTheApprovalAndItsDueTime() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(200, "{}") }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop(
                "r3.json",
                RequestText.make(
                    id: "r3", steps: [#"{"id": "ok", "provider": "approval", "with": {"message": "ship it?", "expiresAfterSeconds": 3600}}"#]))
            try await run(root, configuration(server))
            let body = try JSONParser.parse(try #require(server.requests.first).body)
            #expect(body["kind"] == "waiting_approval")
            #expect(body["status"] == "waiting_approval")
            #expect(body["approval"]?["message"] == "ship it?")
            #expect(body["approval"]?["step"] == "ok")
            #expect(body["approval"]?["expiresAt"] == "2026-01-01T01:00:00.000Z")
            #expect(body["record"] == "outbox/running/r3.json")
        }

        @Test func aServerErrorIsTriedAgainWithBackoffAndRetryAfter() async throws {
            let server = try LoopbackHTTPServer { _, n in n == 1 ? .json(503, "{}", headers: [("Retry-After", "2")]) : .json(200, "{}") }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("r4.json", echoRequest(id: "r4"))
            let clock = InstantClock()
            try await run(root, configuration(server), clock: clock)
            #expect(server.requests.count == 2)
            #expect(clock.sleeps.contains(2000), "Retry-After waited out: \(clock.sleeps)")
            let sent = try #require(events(root, "notification.sent").first)
            #expect(sent["data"]?["attempts"] == 2)
            #expect(events(root, "notification.failed").isEmpty)
        }

        @Test func aClientErrorIsNotTriedAgain() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(404, #"{"error": "no such hook"}"#) }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("r5.json", echoRequest(id: "r5"))
            try await run(root, configuration(server))
            #expect(server.requests.count == 1)
            let failed = try #require(events(root, "notification.failed").first)
            #expect(failed["data"]?["attempts"] == 1)
            #expect(failed["data"]?["error"]?.stringValue?.contains("http_status: endpoint 'hooks' answered 404") == true, "\(failed)")
            #expect(root.json("outbox/results/r5.json")?["status"] == "succeeded", "the run is not failed by its notification")
        }

        @Test func aServerThatIsDownIsTriedMaxAttemptsTimesAndTheRunStillSucceeds() async throws {
            let root = try TemporaryRoot()
            try root.drop("r6.json", echoRequest(id: "r6"))
            var notify = NotificationSettings(endpoint: "hooks")
            notify.maxAttempts = 3
            let clock = InstantClock()
            let summary = try await run(root, configuration(nil, notify: notify), clock: clock)
            #expect(summary.allSucceeded)
            let failed = try #require(events(root, "notification.failed").first)
            #expect(failed["data"]?["attempts"] == 3)
            #expect(failed["data"]?["error"]?.stringValue?.hasPrefix("http_connection") == true, "\(failed)")
            #expect(clock.sleeps.filter { $0 == 10 || $0 == 20 }.count == 2, "backoff 10, then 20 ms: \(clock.sleeps)")
        }

        @Test func aSlowEndpointHoldsUpNothingAndAStoppingRunnerGivesItUp() async throws {
            let server = try LoopbackHTTPServer { _, _ in .hang }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("r7.json", echoRequest(id: "r7"))
            var configuration = configuration(server)
            configuration.httpEndpoints["hooks"]?.timeoutMs = 60_000
            // The stopping runner's 30 s wait for the delivery passes at once on this clock.
            let summary = try await run(root, configuration, clock: InstantClock(horizonMs: 60_000))
            #expect(summary.allSucceeded)
            #expect(root.json("outbox/results/r7.json")?["status"] == "succeeded")
            let names = root.auditEventNames(runId: "r7")
            #expect(names.suffix(2) == ["run.succeeded", "notification.failed"], "\(names)")
            let failed = try #require(events(root, "notification.failed").first)
            #expect(failed["data"]?["error"]?.stringValue?.contains("the runner stopped before it was delivered") == true, "\(failed)")
        }

        @Test func aWorkflowsNotifyTakesThePlaceOfTheConfigurationsAndOnChoosesTheMoments() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(200, "{}") }
            defer { server.stop() }
            let root = try TemporaryRoot()
            let steps = [#"{"id": "ok", "provider": "approval", "with": {"message": "go?"}}"#, #"{"id": "b", "provider": "echo", "with": {}}"#]
            let request = RequestText.make(id: "r8", steps: steps)
                .replacingOccurrences(
                    of: #""version": "1","#, with: #""version": "1", "notify": {"endpoint": "hooks", "path": "/mine", "on": ["finished"]},"#)
            try root.drop("r8.json", request)
            let configuration = configuration(server)
            try await run(root, configuration)
            #expect(server.requests.isEmpty, "waiting is not among the workflow's moments: \(server.requests.map(\.path))")
            try root.drop("approve.json", #"{"kind": "approval", "runId": "r8", "decision": "approve", "by": "alice"}"#)
            try await run(root, configuration)
            #expect(server.requests.map(\.path) == ["/hooks/mine"])
            #expect(try JSONParser.parse(server.requests[0].body)["status"] == "succeeded")
        }

        @Test func aRunWithoutNotificationsSendsNothing() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(200, "{}") }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("r9.json", echoRequest(id: "r9"))
            try await run(root, configuration(server, notify: nil))
            #expect(server.requests.isEmpty)
            #expect(events(root, "notification.sent").isEmpty && events(root, "notification.failed").isEmpty)
        }

        @Test func anEndpointGoneFromTheConfigurationSinceTheRunWasAdmittedIsAFailedNotification() async throws {
            let root = try TemporaryRoot()
            try root.drop("r10.json", echoRequest(id: "r10"))
            var configuration = configuration(nil)
            configuration.httpEndpoints = ["other": HTTPEndpointSettings(baseURL: "http://127.0.0.1:1")]
            try await run(root, configuration)
            #expect(root.json("outbox/results/r10.json")?["status"] == "succeeded")
            let failed = try #require(events(root, "notification.failed").first)
            #expect(failed["data"]?["attempts"] == 0)
            #expect(failed["data"]?["error"] == "'hooks' is not an endpoint under providers.http.endpoints; there are: other", "\(failed)")
        }
    }
}
