import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

extension RealHTTP {
    /// `http` in real runs against a server on 127.0.0.1 that the test starts.
    @Suite(.timeLimit(.minutes(1))) struct HTTPProviderTests {
        static let secret = "sk-live-7d2e90b1c4"

        func configuration(_ server: LoopbackHTTPServer?, configure: (inout HTTPEndpointSettings) -> Void = { _ in }) -> Configuration {
            var c = Configuration.fastForTests
            var settings = HTTPEndpointSettings(baseURL: (server?.baseURL ?? "http://127.0.0.1:1") + "/api")
            settings.headers = ["Authorization": SecretHeader(env: "CRM_TOKEN", prefix: "Bearer ")]
            settings.allowedHeaders = ["x-request-id"]
            settings.responseHeaders = ["content-type", "etag"]
            settings.methods = ["GET", "POST", "PUT"]
            configure(&settings)
            c.httpEndpoints = ["crm": settings]
            return c
        }

        func step(_ with: String, retry: String = #"{"maxAttempts": 3, "backoffMs": 10}"#) -> String {
            #"{"id": "call", "provider": "http", "with": \#(with), "retry": \#(retry)}"#
        }

        @discardableResult
        func run(_ root: TemporaryRoot, _ configuration: Configuration, clock: any RunnerClock = InstantClock()) async throws -> RunOnceSummary {
            var engine = root.engine(clock: clock, configuration: configuration)
            engine.environment = ["CRM_TOKEN": Self.secret]
            defer { engine.audit.close() }
            return try await Runner(context: engine).runOnce()
        }

        @Test func aTwoHundredIsTheOutputWithTheSelectedHeadersAndTheBodyAsJSON() async throws {
            let server = try LoopbackHTTPServer { request, _ in
                .json(
                    200,
                    #"{"id": 7, "echo": "\#(request.text.replacingOccurrences(of: "\"", with: "'"))", "auth": "\#(request.headers["authorization"] ?? "")"}"#,
                    headers: [("ETag", "\"v1\""), ("X-Other", "no")])
            }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop(
                "r.json",
                RequestText.make(
                    id: "r",
                    steps: [
                        step(
                            #"{"endpoint": "crm", "path": "/items/{{input.id}}", "query": {"full": true}, "headers": {"X-Request-Id": "{{input.id}}"}, "json": {"n": 1}}"#
                        )
                    ],
                    input: #"{"id": "a7"}"#))
            try await run(root, configuration(server))
            let result = try #require(root.json("outbox/results/r.json"))
            #expect(result["status"] == "succeeded", "\(result)")
            #expect(result["output"]?["status"] == 200)
            #expect(result["output"]?["headers"] == ["content-type": "application/json", "etag": "\"v1\""])
            #expect(result["output"]?["body"]?["id"] == 7)
            #expect(result["output"]?["body"]?["echo"] == "{'n':1}")
            #expect(result["output"]?["body"]?["auth"] == "Bearer [secret]", "a secret echoed back is redacted")
            let received = try #require(server.requests.first)
            #expect(received.method == "POST" && received.target == "/api/items/a7?full=true")
            #expect(received.headers["authorization"] == "Bearer " + Self.secret)
            #expect(received.headers["x-request-id"] == "a7")
            #expect(received.headers["content-type"] == "application/json")
            #expect(root.filesHolding(Self.secret).isEmpty, "\(root.filesHolding(Self.secret))")
        }

        @Test func aTextAnswerIsText() async throws {
            let server = try LoopbackHTTPServer { _, _ in
                .respond(status: 200, headers: [("Content-Type", "text/plain")], body: Array("hello there".utf8))
            }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("t.json", RequestText.make(id: "t", steps: [step(#"{"endpoint": "crm", "text": "plain words"}"#)]))
            try await run(root, configuration(server))
            #expect(root.json("outbox/results/t.json")?["output"]?["body"] == "hello there")
            #expect(server.requests.first?.method == "POST" && server.requests.first?.text == "plain words")
            #expect(server.requests.first?.headers["content-type"] == "text/plain; charset=utf-8")
        }

        @Test func aFourHundredIsNotRetried() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(404, #"{"error": "no such item"}"#) }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("n.json", RequestText.make(id: "n", steps: [step(#"{"endpoint": "crm", "path": "/items/x"}"#)]))
            try await run(root, configuration(server))
            let result = try #require(root.json("outbox/results/n.json"))
            #expect(result["status"] == "failed")
            #expect(result["error"]?["code"] == "http_status")
            #expect(result["error"]?["message"]?.stringValue?.contains(#"answered 404: {"error": "no such item"}"#) == true, "\(result)")
            #expect(server.requests.count == 1)
        }

        @Test(arguments: [429, 503])
        func aRetryableStatusIsRetriedAfterItsRetryAfter(_ status: Int) async throws {
            let server = try LoopbackHTTPServer { _, n in
                n < 3 ? .json(status, "{}", headers: [("Retry-After", "\(n * 2)")]) : .json(200, #"{"ok": true}"#)
            }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("q.json", RequestText.make(id: "q", steps: [step(#"{"endpoint": "crm", "path": "/q"}"#)]))
            let clock = InstantClock()
            try await run(root, configuration(server), clock: clock)
            let result = try #require(root.json("outbox/results/q.json"))
            #expect(result["status"] == "succeeded", "\(result)")
            #expect(server.requests.count == 3)
            let retries = root.auditEvents().filter { $0["event"] == "step.retry" }
            #expect(retries.compactMap { $0["data"]?["delayMs"]?.intValue } == [2000, 4000], "the longer of the backoff (10 ms) and Retry-After")
            #expect(retries.allSatisfy { $0["data"]?["code"] == "http_status" })
            #expect(clock.sleeps.contains(2000) && clock.sleeps.contains(4000))
        }

        @Test func aRetryAfterBeyondTheRunsTimeFailsTheRunWithoutWaiting() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(503, "{}", headers: [("Retry-After", "600")]) }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("l.json", RequestText.make(id: "l", steps: [step(#"{"endpoint": "crm"}"#)], extra: #""timeoutSeconds": 60"#))
            try await run(root, configuration(server))
            let result = try #require(root.json("outbox/results/l.json"))
            #expect(result["error"]?["code"] == "run_timeout", "\(result)")
            #expect(server.requests.count == 1)
        }

        @Test func aSlowServerIsATimeoutRetriedThenFailed() async throws {
            let server = try LoopbackHTTPServer { _, _ in .after(ms: 5000, .json(200, "{}")) }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("s.json", RequestText.make(id: "s", steps: [step(#"{"endpoint": "crm"}"#, retry: #"{"maxAttempts": 2, "backoffMs": 0}"#)]))
            try await run(root, configuration(server) { $0.timeoutMs = 500 })
            let result = try #require(root.json("outbox/results/s.json"))
            #expect(result["error"]?["code"] == "http_timeout", "\(result)")
            // Both attempts ran; whether the second reached the server within its 150 ms is the network's business.
            #expect(result["steps"]?[0]?["attempts"] == 2, "\(result)")
        }

        @Test func aHugeBodyIsRefused() async throws {
            let server = try LoopbackHTTPServer { _, _ in .endless(status: 200, chunk: Array(repeating: 120, count: 8192)) }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("h.json", RequestText.make(id: "h", steps: [step(#"{"endpoint": "crm"}"#)]))
            try await run(root, configuration(server) { $0.maxResponseBytes = 65_536 })
            let result = try #require(root.json("outbox/results/h.json"))
            #expect(result["error"]?["code"] == "http_too_large", "\(result)")
            #expect(server.requests.count == 1, "not retried")
        }

        @Test func aRedirectToAnotherHostIsRefused() async throws {
            let server = try LoopbackHTTPServer { _, _ in .respond(status: 302, headers: [("Location", "http://localhost:9/steal")]) }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("d.json", RequestText.make(id: "d", steps: [step(#"{"endpoint": "crm"}"#)]))
            try await run(root, configuration(server))
            let result = try #require(root.json("outbox/results/d.json"))
            #expect(result["error"]?["code"] == "http_redirect_refused")
            #expect(result["error"]?["message"]?.stringValue?.contains("to another host ('localhost')") == true, "\(result)")
        }

        @Test func aMissingSecretFailsTheStepNamingTheVariable() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(200, "{}") }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("m.json", RequestText.make(id: "m", steps: [step(#"{"endpoint": "crm"}"#)]))
            var engine = root.engine(configuration: configuration(server))
            engine.environment = [:]
            _ = try await Runner(context: engine).runOnce()
            engine.audit.close()
            let result = try #require(root.json("outbox/results/m.json"))
            #expect(result["error"]?["code"] == "missing_secret")
            #expect(result["error"]?["message"]?.stringValue?.contains("CRM_TOKEN") == true)
            #expect(server.requests.isEmpty)
        }

        @Test func aCancelMidRequestEndsTheRunCancelledAndTheServerSeesTheClientGo() async throws {
            let server = try LoopbackHTTPServer { _, _ in .hang }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("c.json", RequestText.make(id: "c", steps: [step(#"{"endpoint": "crm"}"#)]))
            let configuration = configuration(server)
            let task = Task { try await run(root, configuration, clock: SystemClock()) }
            #expect(await server.wait(seconds: 30) { $0.requests.count == 1 })
            try root.write("outbox/cancels/c.json", #"{"runId": "c"}"#)
            _ = try await task.value
            #expect(root.json("outbox/results/c.json")?["status"] == "cancelled")
            #expect(await server.wait(seconds: 30) { $0.disconnects == 1 })
        }

        // MARK: Checked when the request is dropped

        @Test(arguments: [
            (#"{"path": "/x"}"#, "$.workflow.steps[0].with.endpoint", "required"),
            (#"{"endpoint": "crn"}"#, "$.workflow.steps[0].with.endpoint", "did you mean 'crm'?"),
            (#"{"endpoint": "crm", "method": "DELETE"}"#, "$.workflow.steps[0].with.method", "GET, POST, PUT"),
            (#"{"endpoint": "crm", "path": "https://evil.example.com/x"}"#, "$.workflow.steps[0].with.path", "never names a host"),
            (#"{"endpoint": "crm", "path": "/a/../../admin"}"#, "$.workflow.steps[0].with.path", "'..'"),
            (#"{"endpoint": "crm", "path": "/a?b=1"}"#, "$.workflow.steps[0].with.path", "'query'"),
            (
                #"{"endpoint": "crm", "headers": {"Authorization": "mine"}}"#, "$.workflow.steps[0].with.headers.Authorization",
                "does not let a request set"
            ),
            (#"{"endpoint": "crm", "headers": {"X-Request-Id": 5}}"#, "$.workflow.steps[0].with.headers.X-Request-Id", "expected a string"),
            (#"{"endpoint": "crm", "headers": {"X-Request-Id": "a\r\nHost: evil"}}"#, "$.workflow.steps[0].with.headers.X-Request-Id", "line break"),
            (#"{"endpoint": "crm", "query": {"a": [1]}}"#, "$.workflow.steps[0].with.query.a", "expected a string, a number or a boolean"),
            (#"{"endpoint": "crm", "json": {}, "text": "x"}"#, "$.workflow.steps[0].with.text", "not both"),
            (#"{"endpoint": "crm", "url": "https://evil.example.com"}"#, "$.workflow.steps[0].with.url", "unknown"),
        ])
        func aStepTheEndpointDoesNotAllowIsRefusedAtDrop(_ with: String, _ path: String, _ words: String) async throws {
            let root = try TemporaryRoot()
            try root.drop("v.json", RequestText.make(id: "v", steps: [step(with)]))
            try await run(root, configuration(nil))
            let error = try #require(root.json("outbox/rejected/v.json.error.json"))
            #expect(error["reason"] == "invalid_request")
            let first = error["errors"]?.arrayValue?.first
            #expect(first?["path"]?.stringValue == path, "\(error)")
            #expect(first?["message"]?.stringValue?.contains(words) == true, "\(error)")
        }

        /// What a reference brings is checked when the step runs: a path or an endpoint that would have been refused at
        /// drop fails the step with `invalid_input`, and nothing is sent.
        @Test(arguments: [
            (#"{"endpoint": "crm", "path": "{{input.p}}"}"#, #"{"p": "/a/../../admin"}"#, "'..'"),
            (#"{"endpoint": "crm", "path": "/items/{{input.p}}"}"#, #"{"p": "x?admin=1"}"#, "'query'"),
            (#"{"endpoint": "{{input.e}}"}"#, #"{"e": "evil"}"#, "'evil' is not an allowed endpoint; allowed: crm"),
        ])
        func whatAReferenceBringsIsCheckedWhenTheStepRuns(_ with: String, _ input: String, _ words: String) async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(200, "{}") }
            defer { server.stop() }
            let root = try TemporaryRoot()
            try root.drop("ref.json", RequestText.make(id: "ref", steps: [step(with)], input: input))
            try await run(root, configuration(server))
            let result = try #require(root.json("outbox/results/ref.json"))
            #expect(result["error"]?["code"] == "invalid_input", "\(result)")
            #expect(result["error"]?["message"]?.stringValue?.contains(words) == true, "\(result)")
            #expect(server.requests.isEmpty)
        }

        @Test func withNoEndpointHTTPIsDisabled() async throws {
            let root = try TemporaryRoot()
            try root.drop("w.json", RequestText.make(id: "w", steps: [step(#"{"endpoint": "crm"}"#)]))
            try await run(root, .fastForTests)
            #expect(
                root.json("outbox/rejected/w.json.error.json")?["errors"]?.arrayValue?.first?["message"]?.stringValue?.contains("http is disabled")
                    == true)
        }
    }
}
