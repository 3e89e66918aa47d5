/// Sends one HTTP request and returns its answer; injected, so tests can answer without a network.
///
/// A transport follows no redirect: a 3xx comes back as it is (the caller
/// decides; `EndpointClient` refuses one off its endpoint). It honours task
/// cancellation (the exchange is abandoned at once), the request's
/// `timeoutMs` and `maxResponseBytes`, and never blocks a thread of the
/// cooperative pool.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(HTTPTransportError) -> HTTPResponse
}

/// Why an exchange did not give an answer.
///
/// Messages never hold a header value (they may be secrets).
public enum HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer within the request's `timeoutMs`.
    case timedOut(ms: Int)
    /// The body was longer than `maxResponseBytes` (it was not read further).
    case tooLarge(limit: Int)
    /// The connection could not be made or broke (refused, reset, DNS, TLS): `detail` says which.
    case connection(String)
    /// The task was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .timedOut(let ms): "no answer within \(ms) ms"
        case .tooLarge(let limit): "the answer is longer than the endpoint's maxResponseBytes (\(limit))"
        case .connection(let detail): "the connection failed: \(detail)"
        case .cancelled: "the request was cancelled"
        }
    }
}
