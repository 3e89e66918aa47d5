/// What one real model API asks and answers: the request droprun builds from `prompt`, `system` and `maxTokens`,
/// the header its key goes in, and how its answer maps to the stub's output (`text`, `model`, `usage`).
///
/// openai: `POST {base}/chat/completions`, `Authorization: Bearer KEY`. anthropic: `POST {base}/v1/messages`,
/// `x-api-key: KEY` and `anthropic-version: 2023-06-01`. gemini: `POST
/// {base}/v1beta/models/{model}:generateContent`, `x-goog-api-key: KEY`.
struct ModelAPIExchange {
    var api: LLMAPI
    /// The model's name at the endpoint.
    var model: String

    static let anthropicVersion = "2023-06-01"
    /// anthropic requires `max_tokens`; this is sent when the step gives none.
    static let anthropicDefaultMaxTokens = 1024

    /// The call to the endpoint.
    func call(prompt: String, system: String?, maxTokens: Int?) -> EndpointCall {
        var body: [String: JSONValue]
        let path: String
        switch api {
        case .openai:
            path = "/chat/completions"
            var messages: [JSONValue] = []
            if let system { messages.append(["role": "system", "content": .string(system)]) }
            messages.append(["role": "user", "content": .string(prompt)])
            body = ["model": .string(model), "messages": .array(messages)]
            if let maxTokens { body["max_tokens"] = .int(maxTokens) }
        case .anthropic:
            path = "/v1/messages"
            body = [
                "model": .string(model), "max_tokens": .int(maxTokens ?? Self.anthropicDefaultMaxTokens),
                "messages": [["role": "user", "content": .string(prompt)]],
            ]
            if let system { body["system"] = .string(system) }
        case .gemini:
            path = "/v1beta/models/\(model):generateContent"
            body = ["contents": [["role": "user", "parts": [["text": .string(prompt)]]]]]
            if let system { body["systemInstruction"] = ["parts": [["text": .string(system)]]] }
            if let maxTokens { body["generationConfig"] = ["maxOutputTokens": .int(maxTokens)] }
        }
        return EndpointCall(
            method: "POST", path: path, headers: ["Content-Type": "application/json", "Accept": "application/json"],
            body: JSONWriter.compactBytes(.object(body)))
    }

    /// The headers that carry `key` as this API expects it (droprun's own, never the request's).
    func keyHeaders(_ key: String?) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        switch api {
        case .openai:
            if let key { headers.append(("Authorization", "Bearer " + key)) }
        case .anthropic:
            if let key { headers.append(("x-api-key", key)) }
            headers.append(("anthropic-version", Self.anthropicVersion))
        case .gemini:
            if let key { headers.append(("x-goog-api-key", key)) }
        }
        return headers
    }

    /// The stub's output from a 2xx answer; `model_bad_response` when it is not in the API's shape.
    func output(_ json: JSONValue, name: String) throws(StepFailure) -> JSONValue {
        let text: String?
        let reported: String?
        let promptTokens: Int?
        let completionTokens: Int?
        switch api {
        case .openai:
            text = json["choices"]?[0]?["message"]?["content"]?.stringValue
            reported = json["model"]?.stringValue
            promptTokens = json["usage"]?["prompt_tokens"]?.intValue
            completionTokens = json["usage"]?["completion_tokens"]?.intValue
        case .anthropic:
            let blocks = json["content"]?.arrayValue?.filter { $0["type"]?.stringValue == "text" }.compactMap { $0["text"]?.stringValue }
            text = blocks.map { $0.joined() }
            reported = json["model"]?.stringValue
            promptTokens = json["usage"]?["input_tokens"]?.intValue
            completionTokens = json["usage"]?["output_tokens"]?.intValue
        case .gemini:
            let parts = json["candidates"]?[0]?["content"]?["parts"]?.arrayValue?.compactMap { $0["text"]?.stringValue }
            text = parts.map { $0.joined() }
            reported = json["modelVersion"]?.stringValue
            promptTokens = json["usageMetadata"]?["promptTokenCount"]?.intValue
            completionTokens = json["usageMetadata"]?["candidatesTokenCount"]?.intValue
        }
        guard let text else {
            throw StepFailure(.modelBadResponse, "model '\(name)' (\(api.rawValue)): the answer has no text where the \(api.rawValue) API puts it")
        }
        return [
            "text": .string(text), "model": .string(reported ?? model),
            "usage": ["promptTokens": .int(promptTokens ?? 0), "completionTokens": .int(completionTokens ?? 0)],
        ]
    }

    /// The failure a non-2xx answer means, with the API's own message (`error.message` in all three).
    func failure(_ response: HTTPResponse, name: String, retryAfterMs: Int?) -> StepFailure {
        let json = try? JSONParser.parse(response.body)
        let own = json?["error"]?["message"]?.stringValue ?? EndpointClient.snippet(String(decoding: response.body.prefix(300), as: UTF8.self))
        let message = "model '\(name)' (\(api.rawValue)) answered \(response.status)" + (own.isEmpty ? "" : ": " + own)
        switch response.status {
        case 429: return StepFailure(.rateLimited, message, retryable: true, retryAfterMs: retryAfterMs)
        case 401, 403: return StepFailure(.modelAuth, message, retryable: false)
        case 500...599: return StepFailure(.modelServerError, message, retryable: true, retryAfterMs: retryAfterMs)
        default: return StepFailure(.modelBadRequest, message, retryable: false)
        }
    }
}
