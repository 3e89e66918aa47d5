/// `llm`: a stub language model, deterministic and offline.
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
    public var summary: String { "stub language model: 'model', 'prompt', optional 'maxTokens'" }

    static func knownModels(_ configuration: Configuration) -> [String] {
        (builtInModels + configuration.llmModels.keys.sorted()).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        let models = Self.knownModels(context.configuration)
        _ = with.choice("model", models, required: true)
        _ = with.string("prompt", required: true)
        _ = with.int("maxTokens", in: 1...100_000)
    }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let model = r.choice("model", Self.knownModels(context.configuration), required: true) ?? ""
        let prompt = r.string("prompt", required: true) ?? ""
        let maxTokens = r.int("maxTokens", in: 1...100_000) ?? (model == "stub-large" ? 256 : 64)
        try context.check(r)

        let settings = context.configuration.llmModels[model] ?? LLMModelSettings()
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
