import Foundation

/// `llm`: a stub language model, deterministic and offline, or a real one on an endpoint the operator allowed.
///
/// A model in `providers.llm.models` that names an `endpoint` (an http alias) and an `api` (`openai`, `anthropic`,
/// `gemini`) is called for real (`ModelAPIExchange`), its key from `apiKeyEnv`; its output has the stub's shape.
///
/// The completion is derived from the model and the prompt alone, so the same
/// request always gives the same text. Each model can simulate latency and a
/// share of retryable `rate_limited` failures; whether an attempt fails is
/// drawn from a hash of run id, step id, attempt and model, so a run replays
/// exactly, failures included.
public struct LLMProvider: Provider {
    /// Models that exist without configuration.
    public static let builtInModels = ["stub-small", "stub-large"]

    public init() {}
    public var name: String { "llm" }
    public var summary: String { "language model (stub, or a real endpoint): 'model', 'prompt', optional 'system', 'maxTokens'" }

    static func knownModels(_ configuration: Configuration) -> [String] {
        (builtInModels + configuration.llmModels.keys.sorted()).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        let models = Self.knownModels(context.configuration)
        _ = with.choice("model", models, required: true)
        _ = with.string("prompt", required: true)
        _ = with.string("system")
        _ = with.int("maxTokens", in: 1...100_000)
    }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let model = r.choice("model", Self.knownModels(context.configuration), required: true) ?? ""
        let prompt = r.string("prompt", required: true) ?? ""
        let system = r.string("system")
        let asked = r.int("maxTokens", in: 1...100_000)
        let maxTokens = asked ?? (model == "stub-large" ? 256 : 64)
        try context.check(r)

        let settings = context.configuration.llmModels[model] ?? LLMModelSettings()
        if let endpoint = settings.endpoint, let api = settings.api {
            do {
                return try await Self.callEndpoint(
                    endpoint, api: api, name: model, settings: settings, prompt: prompt, system: system, maxTokens: asked,
                    configuration: context.configuration, transport: context.http, environment: context.environment, now: context.clock.now())
            } catch {
                try Task.checkCancellation()
                throw error
            }
        }
        if settings.latencyMs > 0 {
            try await context.clock.sleep(for: .milliseconds(settings.latencyMs))
        }
        if settings.failureRate > 0 {
            let draw = Self.draw("\(context.runId)/\(context.stepId)/\(context.attempt)/\(model)")
            if draw < settings.failureRate {
                throw StepFailure(.rateLimited, "model '\(model)' is rate limited (simulated); try again")
            }
        }
        let completion = Self.complete(prompt: prompt, model: model, maxTokens: maxTokens)
        return [
            "text": .string(completion.text),
            "model": .string(model),
            "usage": ["promptTokens": .int(completion.promptTokens), "completionTokens": .int(completion.completionTokens)],
        ]
    }

    /// One call to a real model: the API's request, the key as it expects it, its answer mapped to the stub's output.
    static func callEndpoint(
        _ alias: String, api: LLMAPI, name: String, settings: LLMModelSettings, prompt: String, system: String?, maxTokens: Int?,
        configuration: Configuration, transport: any HTTPTransport, environment: [String: String], now: Date
    ) async throws(StepFailure) -> JSONValue {
        guard let client = EndpointClient(alias: alias, configuration: configuration, transport: transport, environment: environment) else {
            throw StepFailure(.invalidInput, "model '\(name)' names the http endpoint '\(alias)', which providers.http.endpoints does not have")
        }
        var key: String?
        if let variable = settings.apiKeyEnv {
            guard let value = environment[variable], !value.isEmpty else {
                throw StepFailure(
                    .missingSecret,
                    "model '\(name)' reads its key from the environment variable \(variable) (apiKeyEnv), which is not set where droprun runs")
            }
            key = value
        }
        let exchange = ModelAPIExchange(api: api, model: settings.remoteModel ?? name)
        let response = try await client.exchange(
            exchange.call(prompt: prompt, system: system, maxTokens: maxTokens), extraHeaders: exchange.keyHeaders(key))
        let secrets = key.map { [$0] } ?? []
        guard (200..<300).contains(response.status) else {
            let retryAfter = response.headers["retry-after"].flatMap { RetryAfter.milliseconds($0, now: now) }
            var failure = exchange.failure(response, name: name, retryAfterMs: retryAfter)
            failure.message = client.redact(failure.message, also: secrets)
            throw failure
        }
        guard let json = try? JSONParser.parse(response.body) else {
            throw StepFailure(.modelBadResponse, "model '\(name)' (\(api.rawValue)): the answer is not JSON")
        }
        let output = try exchange.output(json, name: name)
        let redacted = client.redact(JSONWriter.compact(output), also: secrets)
        return (try? JSONParser.parse(Array(redacted.utf8))) ?? output
    }

    /// A number in [0, 1) drawn reproducibly from `seed`.
    static func draw(_ seed: String) -> Double {
        let digest = SHA256.hash(Array(seed.utf8))
        var value: UInt64 = 0
        for byte in digest.prefix(8) { value = value << 8 | UInt64(byte) }
        return Double(value >> 11) / Double(UInt64(1) << 53)
    }

    /// The stub's completion: a fingerprint of the prompt and its first words, cut at `maxTokens` words.
    static func complete(prompt: String, model: String, maxTokens: Int) -> (text: String, promptTokens: Int, completionTokens: Int) {
        let words = prompt.split(whereSeparator: { $0.isWhitespace })
        let fingerprint = SHA256.hex(Array("\(model)\n\(prompt)".utf8)).prefix(8)
        let keep = model == "stub-large" ? 48 : 16
        var text = "[\(model) \(fingerprint)] " + words.prefix(keep).joined(separator: " ")
        if words.count > keep { text += " ..." }
        var tokens = text.split(separator: " ")
        if tokens.count > maxTokens {
            tokens = Array(tokens.prefix(maxTokens))
            text = tokens.joined(separator: " ")
        }
        let promptTokens = max(1, (prompt.utf8.count + 3) / 4)
        return (text, promptTokens, tokens.count)
    }
}
