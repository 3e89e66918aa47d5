/// `http`: calls an endpoint the operator allowed in `droprun.json`, by its alias.
///
/// A request names the alias (`providers.http.endpoints.<alias>`), a `path`
/// under its base URL, a `query`, `headers` from the endpoint's allowed list
/// and a `json` or `text` body; never a host. The endpoint's own headers
/// (credentials) come from environment variables at send time and never reach
/// a record, a log, the audit or a message. Redirects are followed only within
/// the endpoint. A 2xx answer is the output: `status`, the endpoint's
/// `responseHeaders` and `body` (JSON when it parses, else text). Another
/// status fails the step with `http_status`, retryably when the endpoint lists
/// it in `retryableStatuses`, waiting at least its `Retry-After`.
public struct HTTPProvider: Provider {
    public init() {}
    public var name: String { "http" }
    public var summary: String {
        "calls an endpoint allowed in droprun.json by its alias: 'endpoint', 'method', 'path', 'query', 'headers', 'json' or 'text'"
    }

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        let endpoints = context.configuration.httpEndpoints
        var settings: HTTPEndpointSettings?
        if let alias = with.string("endpoint", required: true), Reference.segments(of: alias) == nil {
            settings = endpoints[alias]
            if settings == nil { with.report(ValidationIssue(with.path.key("endpoint"), Self.unknownAlias(alias, aliases: endpoints.keys.sorted()))) }
        }
        if let method = with.string("method"), Reference.segments(of: method) == nil, let settings,
            !settings.methods.contains(method.uppercased())
        {
            with.report(
                ValidationIssue(
                    with.path.key("method"), "expected one of the endpoint's methods (\(settings.methods.joined(separator: ", "))), found '\(method)'"
                ))
        }
        if let path = with.string("path"), Reference.segments(of: path) == nil, let problem = EndpointClient.pathProblem(path) {
            with.report(ValidationIssue(with.path.key("path"), problem))
        }
        if let query = with.value("query") { Self.checkStrings(query, at: with.path.key("query"), scalars: true, into: &with) }
        if let headers = with.value("headers") {
            Self.checkStrings(headers, at: with.path.key("headers"), scalars: false, into: &with)
            if let settings, case .object(let members) = headers {
                let allowed = ["content-type", "accept"] + settings.allowedHeaders
                for name in members.keys where !allowed.contains(name.lowercased()) {
                    with.report(
                        ValidationIssue(
                            with.path.key("headers").key(name),
                            "the endpoint does not let a request set this header; allowed: \(allowed.joined(separator: ", "))"))
                }
            }
        }
        let json = with.value("json")
        let text = with.string("text")
        if json != nil, text != nil {
            with.report(ValidationIssue(with.path.key("text"), "expected 'json' or 'text', not both"))
        }
    }

    static func unknownAlias(_ alias: String, aliases: [String]) -> String {
        AllowedAlias.unknown(alias, among: aliases, provider: "http", kind: "endpoint", key: "providers.http.endpoints")
    }

    /// `value` must be an object of strings (or, with `scalars`, numbers and booleans too).
    private static func checkStrings(_ value: JSONValue, at path: JSONPath, scalars: Bool, into reader: inout JSONObjectReader) {
        guard case .object(let members) = value else {
            if case .string(let s) = value, Reference.whole(s) != nil { return }
            reader.report(ValidationIssue(path, "expected an object of strings, found \(value.typeName)"))
            return
        }
        for (key, member) in members {
            switch member {
            case .string(let text):
                // By scalar: "\r\n" is one Character.
                if !scalars, text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                    reader.report(ValidationIssue(path.key(key), "expected a header value on one line, found a line break"))
                }
                continue
            case .number, .bool: if scalars { continue }
            default: break
            }
            reader.report(ValidationIssue(path.key(key), "expected a string\(scalars ? ", a number or a boolean" : ""), found \(member.typeName)"))
        }
    }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let alias = r.string("endpoint", required: true) ?? ""
        let json = r.value("json")
        let text = r.string("text")
        let method = r.string("method") ?? (json != nil || text != nil ? "POST" : "GET")
        let path = r.string("path") ?? ""
        var query: [String: String] = [:]
        if let value = r.value("query") {
            Self.checkStrings(value, at: context.withPath.key("query"), scalars: true, into: &r)
            for (key, member) in value.objectValue ?? [:] { query[key] = member.stringValue ?? JSONWriter.compact(member) }
        }
        var headers: [String: String] = [:]
        if let value = r.value("headers") {
            Self.checkStrings(value, at: context.withPath.key("headers"), scalars: false, into: &r)
            for (key, member) in value.objectValue ?? [:] { headers[key] = member.stringValue }
        }
        try context.check(r)
        guard
            let client = EndpointClient(alias: alias, configuration: context.configuration, transport: context.http, environment: context.environment)
        else {
            throw StepFailure(.invalidInput, Self.unknownAlias(alias, aliases: context.configuration.httpEndpoints.keys.sorted()))
        }
        var body: [UInt8]?
        if let json {
            body = JSONWriter.compactBytes(json)
            if !headers.keys.contains(where: { $0.lowercased() == "content-type" }) { headers["Content-Type"] = "application/json" }
        } else if let text {
            body = Array(text.utf8)
            if !headers.keys.contains(where: { $0.lowercased() == "content-type" }) { headers["Content-Type"] = "text/plain; charset=utf-8" }
        }
        let response: HTTPResponse
        do {
            response = try await client.exchange(EndpointCall(method: method, path: path, query: query, headers: headers, body: body))
        } catch {
            try Task.checkCancellation()
            throw error
        }
        if let failure = client.statusFailure(response, now: context.clock.now()) { throw failure }
        var selected = JSONObject()
        for name in client.settings.responseHeaders {
            if let value = response.headers[name] { selected[name] = .string(client.redact(value)) }
        }
        return [
            "status": .int(response.status), "headers": .object(selected),
            "body": Self.body(client.redact(String(decoding: response.body, as: UTF8.self))),
        ]
    }

    /// The body as JSON when it parses, else as text.
    static func body(_ text: String) -> JSONValue {
        if let json = try? JSONParser.parse(Array(text.utf8)) { return json }
        return .string(text)
    }
}
