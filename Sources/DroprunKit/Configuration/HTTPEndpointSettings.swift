/// An HTTP endpoint the operator allowed (`providers.http.endpoints.<alias>`): requests name the alias, never a host.
public struct HTTPEndpointSettings: Sendable, Equatable {
    /// Scheme, host, port and base path (`https://api.example.com/v1`); request paths go under it.
    public var baseURL: String
    /// The methods an endpoint may allow.
    public static let knownMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
    /// Methods requests may use, upper case (default `GET` and `POST`).
    public var methods: [String] = ["GET", "POST"]
    /// Headers sent with every request by name as written, each value read from the environment (never written anywhere).
    public var headers: [String: SecretHeader] = [:]
    /// Headers a request may set itself (lower case), besides `content-type` and `accept`.
    public var allowedHeaders: [String] = []
    /// Response headers copied into the step's output (lower case).
    public var responseHeaders: [String] = ["content-type"]
    /// Time limit of one exchange.
    public var timeoutMs = 30_000
    /// The most body bytes accepted.
    public var maxResponseBytes = 1 << 20
    /// Statuses that mean "try again".
    public var retryableStatuses: [Int] = [429, 502, 503, 504]

    public init(baseURL: String) { self.baseURL = baseURL }
}
