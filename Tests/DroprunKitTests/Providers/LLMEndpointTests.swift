import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

extension RealHTTP {
    /// `llm` on real endpoints: loopback fakes that answer in each API's documented shape.
    @Suite(.timeLimit(.minutes(1))) struct LLMEndpointTests {
        static let key = "sk-model-9c1d7e55aa"

        /// The answer each API gives to a good request.
        static func success(_ api: LLMAPI) -> String {
            switch api {
            case .openai:
                #"{"id": "c1", "object": "chat.completion", "model": "gpt-x-2026", "choices": [{"index": 0, "message": {"role": "assistant", "content": "Short summary."}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}}"#
            case .anthropic:
                #"{"id": "m1", "type": "message", "role": "assistant", "model": "claude-x-2026", "content": [{"type": "text", "text": "Short "}, {"type": "text", "text": "summary."}], "stop_reason": "end_turn", "usage": {"input_tokens": 12, "output_tokens": 3}}"#
            case .gemini:
                #"{"candidates": [{"content": {"role": "model", "parts": [{"text": "Short summary."}]}, "finishReason": "STOP"}], "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 3, "totalTokenCount": 15}, "modelVersion": "gemini-x-2026"}"#
            }
        }

        static func error(_ api: LLMAPI, _ message: String) -> String {
            switch api {
            case .openai: #"{"error": {"message": "\#(message)", "type": "invalid_request_error"}}"#
            case .anthropic: #"{"type": "error", "error": {"type": "invalid_request_error", "message": "\#(message)"}}"#
            case .gemini: #"{"error": {"code": 400, "message": "\#(message)", "status": "INVALID_ARGUMENT"}}"#
            }
        }

        func configuration(_ server: LoopbackHTTPServer, _ api: LLMAPI, keyEnv: String? = "MODEL_KEY") -> Configuration {
            var c = Configuration.fastForTests
            c.httpEndpoints = ["models": HTTPEndpointSettings(baseURL: server.baseURL + "/base")]
            var model = LLMModelSettings(apiKeyEnv: keyEnv)
            model.endpoint = "models"
            model.api = api
            model.remoteModel = "remote-1"
            c.llmModels = ["real": model]
            return c
        }

        func run(
            _ server: LoopbackHTTPServer, _ api: LLMAPI, environment: [String: String] = ["MODEL_KEY": key], maxTokens: String = #", "maxTokens": 50"#
        )
            async throws -> (TemporaryRoot, JSONValue)
        {
            let root = try TemporaryRoot()
            try root.drop(
                "r.json",
                RequestText.make(
                    id: "r",
                    steps: [
                        #"{"id": "ask", "provider": "llm", "with": {"model": "real", "system": "Be brief.", "prompt": "Summarize: {{input.doc}}"\#(maxTokens)}, "retry": {"maxAttempts": 3, "backoffMs": 10}}"#
                    ],
                    input: #"{"doc": "a long text"}"#))
            var engine = root.engine(configuration: configuration(server, api))
            engine.environment = environment
            _ = try await Runner(context: engine).runOnce()
            engine.audit.close()
            return (root, try #require(root.json("outbox/results/r.json")))
        }

        @Test(arguments: LLMAPI.allCases)
        func eachAPIGetsItsRequestAndItsAnswerBecomesTheStubsOutput(_ api: LLMAPI) async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(200, Self.success(api)) }
            defer { server.stop() }
            let (root, result) = try await run(server, api)
            #expect(result["status"] == "succeeded", "\(result)")
            let output = result["output"]
            #expect(output?["text"] == "Short summary.")
            #expect(output?["usage"] == ["promptTokens": 12, "completionTokens": 3])
            let request = try #require(server.requests.first)
            let body = try JSONParser.parse(request.body)
            #expect(request.method == "POST")
            #expect(request.headers["content-type"] == "application/json")
            switch api {
            case .openai:
                #expect(request.target == "/base/chat/completions")
                #expect(request.headers["authorization"] == "Bearer " + Self.key)
                #expect(body["model"] == "remote-1" && body["max_tokens"] == 50)
                #expect(body["messages"] == [["role": "system", "content": "Be brief."], ["role": "user", "content": "Summarize: a long text"]])
                #expect(output?["model"] == "gpt-x-2026")
            case .anthropic:
                #expect(request.target == "/base/v1/messages")
                #expect(request.headers["x-api-key"] == Self.key)
                #expect(request.headers["anthropic-version"] == "2023-06-01")
                #expect(body["model"] == "remote-1" && body["max_tokens"] == 50 && body["system"] == "Be brief.")
                #expect(body["messages"] == [["role": "user", "content": "Summarize: a long text"]])
                #expect(output?["model"] == "claude-x-2026")
            case .gemini:
                #expect(request.target == "/base/v1beta/models/remote-1:generateContent")
                #expect(request.headers["x-goog-api-key"] == Self.key)
                #expect(body["contents"] == [["role": "user", "parts": [["text": "Summarize: a long text"]]]])
                #expect(body["systemInstruction"] == ["parts": [["text": "Be brief."]]])
                #expect(body["generationConfig"] == ["maxOutputTokens": 50])
                #expect(output?["model"] == "gemini-x-2026")
            }
            #expect(root.filesHolding(Self.key).isEmpty, "the key reached the disk: \(root.filesHolding(Self.key))")
        }

        @Test func anthropicGetsADefaultMaxTokensAndAKeylessLocalServerGetsNoKey() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(200, Self.success(.anthropic)) }
            defer { server.stop() }
            _ = try await run(server, .anthropic, maxTokens: "")
            #expect(try JSONParser.parse(server.requests.first?.body ?? [])["max_tokens"] == 1024)
            let local = try LoopbackHTTPServer { _, _ in .json(200, Self.success(.openai)) }
            defer { local.stop() }
            let root = try TemporaryRoot()
            try root.drop("l.json", RequestText.make(id: "l", steps: [#"{"id": "a", "provider": "llm", "with": {"model": "real", "prompt": "hi"}}"#]))
            var engine = root.engine(configuration: configuration(local, .openai, keyEnv: nil))
            engine.environment = [:]
            _ = try await Runner(context: engine).runOnce()
            engine.audit.close()
            #expect(root.json("outbox/results/l.json")?["status"] == "succeeded")
            #expect(local.requests.first?.headers["authorization"] == nil)
        }

        @Test(arguments: LLMAPI.allCases)
        func rateLimitsAndServerErrorsAreRetriedWithTheirRetryAfter(_ api: LLMAPI) async throws {
            let server = try LoopbackHTTPServer { _, n in
                switch n {
                case 1: .json(429, Self.error(api, "slow down"), headers: [("Retry-After", "3")])
                case 2: .json(api == .anthropic ? 529 : 503, Self.error(api, "overloaded"))
                default: .json(200, Self.success(api))
                }
            }
            defer { server.stop() }
            let (root, result) = try await run(server, api)
            #expect(result["status"] == "succeeded", "\(result)")
            let retries = root.auditEvents().filter { $0["event"] == "step.retry" }
            #expect(retries.compactMap { $0["data"]?["code"]?.stringValue } == ["rate_limited", "model_server_error"])
            #expect(retries.first?["data"]?["delayMs"] == 3000)
            #expect(retries.first?["data"]?["message"]?.stringValue?.contains("slow down") == true)
        }

        @Test(arguments: [
            (LLMAPI.openai, 400, "model_bad_request", "max_tokens is too large"), (.anthropic, 400, "model_bad_request", "max_tokens is too large"),
            (.gemini, 400, "model_bad_request", "max_tokens is too large"), (.openai, 401, "model_auth", "Incorrect API key provided"),
            (.anthropic, 401, "model_auth", "invalid x-api-key"), (.gemini, 403, "model_auth", "API key not valid"),
        ])
        func badRequestsAndBadKeysAreNotRetriedAndSayTheAPIsOwnMessage(_ api: LLMAPI, _ status: Int, _ code: String, _ message: String) async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(status, Self.error(api, message)) }
            defer { server.stop() }
            let (_, result) = try await run(server, api)
            #expect(result["error"]?["code"]?.stringValue == code, "\(result)")
            #expect(result["error"]?["message"]?.stringValue == "model 'real' (\(api.rawValue)) answered \(status): \(message)")
            #expect(server.requests.count == 1)
        }

        @Test(arguments: LLMAPI.allCases)
        func anAnswerNotInTheAPIsShapeIsABadResponse(_ api: LLMAPI) async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(200, #"{"something": "else"}"#) }
            defer { server.stop() }
            let (_, result) = try await run(server, api)
            #expect(result["error"]?["code"] == "model_bad_response", "\(result)")
        }

        @Test func aTwoHundredThatIsNotJSONIsABadResponse() async throws {
            let server = try LoopbackHTTPServer { _, _ in
                .respond(status: 200, headers: [("Content-Type", "text/html")], body: Array("<html>proxy login</html>".utf8))
            }
            defer { server.stop() }
            let (_, result) = try await run(server, .openai)
            #expect(result["error"]?["code"] == "model_bad_response", "\(result)")
            #expect(result["error"]?["message"]?.stringValue?.contains("not JSON") == true)
            #expect(server.requests.count == 1, "not retried")
        }

        @Test func anUnsetKeyIsAMissingSecretAndNothingIsSent() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(200, Self.success(.openai)) }
            defer { server.stop() }
            let (_, result) = try await run(server, .openai, environment: [:])
            #expect(result["error"]?["code"] == "missing_secret")
            #expect(result["error"]?["message"]?.stringValue?.contains("MODEL_KEY") == true)
            #expect(server.requests.isEmpty)
        }

        @Test(arguments: [
            (#"{"real": {"endpoint": "models"}}"#, "$.providers.llm.models.real.api", "required with 'endpoint'"),
            (#"{"real": {"api": "openai"}}"#, "$.providers.llm.models.real.endpoint", "required with 'api'"),
            (#"{"real": {"endpoint": "modles", "api": "openai"}}"#, "$.providers.llm.models.real.endpoint", "did you mean 'models'?"),
            (#"{"real": {"endpoint": "models", "api": "palm"}}"#, "$.providers.llm.models.real.api", "openai"),
            (#"{"stub-small": {"endpoint": "models", "api": "openai"}}"#, "$.providers.llm.models.stub-small.endpoint", "built-in stub"),
        ])
        func aModelsEndpointIsCheckedWhenTheConfigurationIsRead(_ models: String, _ path: String, _ words: String) throws {
            let text = #"{"providers": {"http": {"endpoints": {"models": {"baseURL": "http://127.0.0.1:9"}}}, "llm": {"models": \#(models)}}}"#
            do {
                _ = try Configuration.parse(try JSONParser.parse(Array(text.utf8)), file: "droprun.json")
                Issue.record("accepted: \(models)")
            } catch let error as ConfigurationError {
                #expect(error.description.contains(path) && error.description.contains(words), "\(error)")
            }
        }
    }
}
