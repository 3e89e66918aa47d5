/// What a request asks of an endpoint: a method, a path under its base, a query, headers, a body. Never a host.
public struct EndpointCall: Sendable, Equatable {
    /// `GET`, `POST`, ... (must be among the endpoint's `methods`).
    public var method: String
    /// A path under the endpoint's base (`/items/7`); no `..`, no scheme, no host.
    public var path: String
    /// Query members, in order.
    public var query: [String: String]
    /// Headers the request sets (must be among the endpoint's `allowedHeaders`, or content-type/accept).
    public var headers: [String: String]
    /// The body, when there is one.
    public var body: [UInt8]?

    public init(method: String, path: String = "", query: [String: String] = [:], headers: [String: String] = [:], body: [UInt8]? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}
