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

    /// The most redirects followed within the endpoint.
    public static let maxRedirects = 5

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
    /// `invalid_input` (a method, path or header the endpoint does not allow). A cancelled exchange throws
    /// `http_connection` (not retryable): the caller sees its task cancelled and says so.
    public func exchange(_ call: EndpointCall, extraHeaders: [(name: String, value: String)] = [], timeoutMs: Int? = nil)
        async throws(StepFailure) -> HTTPResponse
    {
        let method = call.method.uppercased()
        guard settings.methods.contains(method) else {
            throw StepFailure(
                .invalidInput, "endpoint '\(alias)' allows \(settings.methods.joined(separator: ", ")); the request asked \(call.method)")
        }
        var request = HTTPRequest(
            method: method, url: try url(for: call), headers: try requestHeaders(call) + secretHeaders() + extraHeaders, body: call.body,
            timeoutMs: timeoutMs ?? settings.timeoutMs, maxResponseBytes: settings.maxResponseBytes)
        var hops = 0
        while true {
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch {
                throw failure(error, url: request.url)
            }
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.headers["location"] else {
                return response
            }
            guard let next = URL(string: location, relativeTo: request.url)?.absoluteURL else {
                throw StepFailure(.httpRedirectRefused, "endpoint '\(alias)' answered \(response.status) with a Location that is not a URL")
            }
            if let refusal = refusal(of: next) {
                throw StepFailure(
                    .httpRedirectRefused,
                    "endpoint '\(alias)' redirected (\(response.status)) \(refusal); droprun follows no redirect off its endpoint")
            }
            hops += 1
            guard hops <= Self.maxRedirects else {
                throw StepFailure(.httpRedirectRefused, "endpoint '\(alias)' redirected more than \(Self.maxRedirects) times")
            }
            if response.status == 303 || (response.status == 301 || response.status == 302) && request.method == "POST" {
                request.method = "GET"
                request.body = nil
                request.headers.removeAll { $0.name.lowercased() == "content-type" }
            }
            request.url = next
        }
    }

    /// The failure a non-2xx answer means (`http_status`, retryable when its status is in `retryableStatuses`, with its
    /// `Retry-After` read against `now`); nil for 2xx.
    public func statusFailure(_ response: HTTPResponse, now: Date = Date()) -> StepFailure? {
        guard !(200..<300).contains(response.status) else { return nil }
        let retryable = settings.retryableStatuses.contains(response.status)
        var message = "endpoint '\(alias)' answered \(response.status)"
        let snippet = Self.snippet(redact(String(decoding: response.body.prefix(300), as: UTF8.self)))
        if !snippet.isEmpty { message += ": " + snippet }
        let retryAfter = retryable ? response.headers["retry-after"].flatMap { RetryAfter.milliseconds($0, now: now) } : nil
        return StepFailure(.httpStatus, message, retryable: retryable, retryAfterMs: retryAfter)
    }

    /// `text` with every secret this client sends (header values from the environment) replaced by `[secret]`: an
    /// answer that echoes a request's headers must not carry the secret into a record or a message.
    public func redact(_ text: String, also extra: [String] = []) -> String {
        var text = text
        for secret in secretValues() + extra where secret.count >= 4 && text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: "[secret]")
        }
        return text
    }

    /// One line of at most 200 characters.
    static func snippet(_ text: String) -> String {
        // Runs of white space (an HTML error page's indentation) read as one space.
        let line = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return line.count > 200 ? String(line.prefix(200)) + "..." : line
    }

    // MARK: The request

    /// The base URL with `call`'s path (each segment percent-encoded as literal text) and query.
    func url(for call: EndpointCall) throws(StepFailure) -> URL {
        let path = call.path
        if let problem = Self.pathProblem(path) { throw StepFailure(.invalidInput, problem) }
        var text =
            settings.baseURL
            + path.split(separator: "/", omittingEmptySubsequences: false).map { Self.encode(String($0), keeping: ":@") }.joined(separator: "/")
        if !call.query.isEmpty {
            text += "?" + call.query.sorted { $0.key < $1.key }.map { Self.encode($0.key) + "=" + Self.encode($0.value) }.joined(separator: "&")
        }
        guard let url = URL(string: text) else {
            throw StepFailure(.invalidInput, "the path and query do not make a URL under endpoint '\(alias)'")
        }
        return url
    }

    /// Why `path` cannot be a path under an endpoint, or nil: it must be empty or start with `/`, and hold no `?`, `#`,
    /// `.` or `..` segment. The one check, for a step's literal path when it is dropped and for any path when it is sent.
    public static func pathProblem(_ path: String) -> String? {
        if path.isEmpty { return nil }
        if !path.hasPrefix("/") {
            return "expected the path to start with '/' (a path under the endpoint: a request never names a host), found '\(path)'"
        }
        if path.contains("?") || path.contains("#") { return "expected a path without '?' or '#' (give the query in 'query'), found '\(path)'" }
        if path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." || $0 == "." }) {
            return "expected a path without '.' or '..' segments (it must stay under the endpoint), found '\(path)'"
        }
        return nil
    }

    /// The request's own headers: `content-type`, `accept` and the endpoint's `allowedHeaders` only.
    func requestHeaders(_ call: EndpointCall) throws(StepFailure) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        for (name, value) in call.headers.sorted(by: { $0.key < $1.key }) {
            let lower = name.lowercased()
            guard lower == "content-type" || lower == "accept" || settings.allowedHeaders.contains(lower) else {
                let allowed = (["accept", "content-type"] + settings.allowedHeaders).joined(separator: ", ")
                throw StepFailure(.invalidInput, "endpoint '\(alias)' does not let a request set the header '\(name)'; allowed: \(allowed)")
            }
            // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
            guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw StepFailure(.invalidInput, "the header '\(name)' holds a line break")
            }
            headers.append((name, value))
        }
        return headers
    }

    /// The endpoint's own headers, their values from the environment.
    func secretHeaders() throws(StepFailure) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        for (name, secret) in settings.headers.sorted(by: { $0.key < $1.key }) {
            guard let value = environment[secret.env], !value.isEmpty else {
                throw StepFailure(
                    .missingSecret,
                    "endpoint '\(alias)' sends the header '\(name)' from the environment variable \(secret.env), which is not set where droprun runs; set it and start droprun again"
                )
            }
            headers.append((name, secret.prefix + value))
        }
        return headers
    }

    private func secretValues() -> [String] {
        settings.headers.values.compactMap { environment[$0.env] }
    }

    /// Why `url` is not under the endpoint's base (in words naming only what differs), or nil when it is.
    func refusal(of url: URL) -> String? {
        guard let base = URLComponents(string: settings.baseURL), let target = URLComponents(url: url, resolvingAgainstBaseURL: true) else {
            return "to a URL droprun cannot read"
        }
        let baseScheme = base.scheme?.lowercased() ?? ""
        let targetScheme = target.scheme?.lowercased() ?? ""
        let targetHost = target.host?.lowercased() ?? ""
        if targetHost != base.host?.lowercased() { return "to another host ('\(targetHost)')" }
        if targetScheme != baseScheme { return "to another scheme ('\(targetScheme)')" }
        if (target.port ?? Self.defaultPort(targetScheme)) != (base.port ?? Self.defaultPort(baseScheme)) {
            return "to another port (\(target.port.map(String.init) ?? "default"))"
        }
        let basePath = base.percentEncodedPath
        let targetPath = target.percentEncodedPath
        guard basePath.isEmpty || targetPath == basePath || targetPath.hasPrefix(basePath + "/") else {
            return "outside its base path ('\(targetPath)' is not under '\(basePath)')"
        }
        return nil
    }

    private static func defaultPort(_ scheme: String) -> Int? { scheme == "https" ? 443 : scheme == "http" ? 80 : nil }

    /// Percent-encodes all but unreserved characters (RFC 3986), so text is sent as the literal text it is.
    /// In a path segment `keeping` is `:@`, which RFC 3986 allows there (`models/gemini-pro:generateContent`).
    static func encode(_ text: String, keeping: String = "") -> String {
        let kept = Set(keeping.utf8)
        var out = ""
        for byte in text.utf8 {
            if RunID.isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "~") || kept.contains(byte)
            {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    private func failure(_ error: HTTPTransportError, url: URL) -> StepFailure {
        let place = "endpoint '\(alias)' (\(url.host ?? "?")\(url.port.map { ":\($0)" } ?? ""))"
        switch error {
        case .timedOut(let ms):
            return StepFailure(.httpTimeout, "\(place) gave no answer within \(ms) ms (its timeoutMs)")
        case .tooLarge(let limit):
            return StepFailure(
                .httpTooLarge, "\(place) answered with more than \(limit) bytes (its maxResponseBytes); the answer was not read further")
        case .connection(let detail):
            return StepFailure(.httpConnection, "\(place): \(redact(detail))")
        case .cancelled:
            return StepFailure(.httpConnection, "\(place): the request was cancelled", retryable: false)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
