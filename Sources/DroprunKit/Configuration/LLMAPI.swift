/// The wire protocol of a real model endpoint.
public enum LLMAPI: String, Sendable, CaseIterable, Equatable {
    /// Chat completions (`POST /chat/completions`): OpenAI, DeepSeek, vLLM, Ollama, llama.cpp's server.
    case openai
    /// Messages (`POST /v1/messages`).
    case anthropic
    /// generateContent (`POST /v1beta/models/{model}:generateContent`).
    case gemini
}
