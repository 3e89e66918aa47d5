import Foundation

/// Calls one endpoint the operator allowed: builds the URL under its base, adds its secret headers from the
/// environment, refuses redirects off it, and turns what went wrong into a `StepFailure` that holds no secret.
///
/// Used by `http`, by real `llm` models and by notifications.
public struct EndpointClient: Sendable {
    /// The endpoint's alias, for messages.
    public let alias: String
    /// The endpoint.
    public let settings: HTTPEndpointSettings
    /// Sends the exchange.
    public let transport: any HTTPTransport
    /// Where header secrets are read from.
    public let environment: [String: String]

    public init(alias: String, settings: HTTPEndpointSettings, transport: any HTTPTransport, environment: [String: String]) {
        self.alias = alias
        self.settings = settings
        self.transport = transport
        self.environment = environment
    }

    /// The client for endpoint `alias` of `configuration`; nil when there is none.
    public init?(alias: String, configuration: Configuration, transport: any HTTPTransport, environment: [String: String]) {
        guard let settings = configuration.httpEndpoints[alias] else { return nil }
        self.init(alias: alias, settings: settings, transport: transport, environment: environment)
    }

    /// Sends `call` (with `extraHeaders`, such as a model key, added by droprun itself) and returns the answer,
    /// whatever its status; a redirect is followed only within the endpoint.
    ///
    /// Throws `http_timeout`, `http_too_large`, `http_connection`, `http_redirect_refused`, `missing_secret` or
    /// `invalid_input` (a method, path or header the endpoint does not allow).
    public func exchange(_ call: EndpointCall, extraHeaders: [(name: String, value: String)] = [], timeoutMs: Int? = nil)
        async throws(StepFailure) -> HTTPResponse
    {
        // Skeleton: the http helper builds this (URL under the base, secrets, redirects within the endpoint).
        throw StepFailure(.httpConnection, "endpoint '\(alias)': not built yet")
    }

    /// The failure a non-2xx answer means (`http_status`, retryable when its status is in `retryableStatuses`, with its
    /// `Retry-After`); nil for 2xx.
    public func statusFailure(_ response: HTTPResponse) -> StepFailure? {
        // Skeleton: the http helper builds this.
        (200..<300).contains(response.status) ? nil : StepFailure(.httpStatus, "endpoint '\(alias)' answered \(response.status)")
    }
}
