import Testing

@testable import DroprunKit

/// `providers.http.endpoints` in `droprun.json`.
@Suite struct HTTPEndpointSettingsTests {
    func parse(_ endpoints: String) throws(ConfigurationError) -> Configuration {
        let text = #"{"providers": {"http": {"endpoints": \#(endpoints)}}}"#
        guard let json = try? JSONParser.parse(Array(text.utf8)) else {
            throw ConfigurationError(file: "droprun.json", issues: [ValidationIssue(nil, "the test's JSON does not parse: \(text)")])
        }
        return try Configuration.parse(json, file: "droprun.json")
    }

    func problems(_ endpoints: String) -> String {
        do {
            _ = try parse(endpoints)
            return ""
        } catch {
            return error.description
        }
    }

    @Test func everyMemberIsRead() throws {
        let config = try parse(
            #"""
            {"crm": {"baseURL": "https://crm.example.com/api/v2/", "methods": ["get", "POST", "DELETE"],
                     "headers": {"Authorization": {"env": "CRM_TOKEN", "prefix": "Bearer "}, "X-Tenant": {"env": "CRM_TENANT"}},
                     "allowedHeaders": ["X-Request-Id"], "responseHeaders": ["ETag", "content-type"], "timeoutMs": 5000,
                     "maxResponseBytes": 4096, "retryableStatuses": [503]}}
            """#)
        let crm = try #require(config.httpEndpoints["crm"])
        #expect(crm.baseURL == "https://crm.example.com/api/v2")
        #expect(crm.methods == ["GET", "POST", "DELETE"])
        #expect(crm.headers == ["Authorization": SecretHeader(env: "CRM_TOKEN", prefix: "Bearer "), "X-Tenant": SecretHeader(env: "CRM_TENANT")])
        #expect(crm.allowedHeaders == ["x-request-id"])
        #expect(crm.responseHeaders == ["etag", "content-type"])
        #expect(crm.timeoutMs == 5000)
        #expect(crm.maxResponseBytes == 4096)
        #expect(crm.retryableStatuses == [503])
    }

    @Test func theDefaults() throws {
        let hook = try #require(try parse(#"{"hook": {"baseURL": "http://127.0.0.1:8080"}}"#).httpEndpoints["hook"])
        #expect(hook.methods == ["GET", "POST"])
        #expect(hook.headers.isEmpty && hook.allowedHeaders.isEmpty)
        #expect(hook.responseHeaders == ["content-type"])
        #expect(hook.timeoutMs == 30_000 && hook.maxResponseBytes == 1 << 20)
        #expect(hook.retryableStatuses == [429, 502, 503, 504])
    }

    @Test(arguments: [
        (#"{"a": {}}"#, "providers.http.endpoints.a.baseURL: required"),
        (#"{"a": {"baseURL": "ftp://example.com"}}"#, "scheme 'ftp'"),
        (#"{"a": {"baseURL": "example.com/v1"}}"#, "expected an absolute http or https URL"),
        (#"{"a": {"baseURL": "https://api.example.com?key=1"}}"#, "no query or fragment"),
        (#"{"a": {"baseURL": "https://x", "methods": ["GET", "TRACE"]}}"#, "found 'TRACE'"),
        (#"{"a": {"baseURL": "https://x", "methods": []}}"#, "at least one method"),
        (#"{"a": {"baseURL": "https://x", "headers": {"Bad Name": {"env": "T"}}}}"#, "expected a header name"),
        (#"{"a": {"baseURL": "https://x", "headers": {"Authorization": {"env": "T", "prefx": "Bearer "}}}}"#, "headers.Authorization.prefx"),
        (#"{"a": {"baseURL": "https://x", "headers": {"Authorization": {"env": "T"}}, "allowedHeaders": ["authorization"]}}"#, "may not set it"),
        (#"{"a": {"baseURL": "https://x", "allowedHeaders": ["x y"]}}"#, "allowedHeaders"),
        (#"{"a": {"baseURL": "https://x", "responseHeaders": [""]}}"#, "responseHeaders"),
        (#"{"a": {"baseURL": "https://x", "timeoutMs": 0}}"#, "timeoutMs"),
        (#"{"a": {"baseURL": "https://x", "maxResponseBytes": -1}}"#, "maxResponseBytes"),
        (#"{"a": {"baseURL": "https://x", "retryableStatuses": [429, "503"]}}"#, "retryableStatuses: expected an array of HTTP statuses"),
        (#"{"a": {"baseURL": "https://x", "retryableStatuses": [99]}}"#, "retryableStatuses"),
        (#"{"a": {"baseURL": "https://x", "timeout": 5}}"#, "providers.http.endpoints.a.timeout"),
        (#"{"a b": {"baseURL": "https://x"}}"#, "expected an alias"),
    ])
    func aWrongMemberIsRefusedNamingItsPath(_ endpoints: String, _ words: String) {
        let message = problems(endpoints)
        #expect(message.contains(words), "\(message)")
    }

    /// A credential pasted where droprun expects a variable's name, or in the URL, is never echoed.
    @Test(arguments: [
        #"{"a": {"baseURL": "https://x", "headers": {"Authorization": "Bearer sk-live-0123456789"}}}"#,
        #"{"a": {"baseURL": "https://x", "headers": {"Authorization": {"env": "Bearer sk-live-0123456789"}}}}"#,
        #"{"a": {"baseURL": "https://user:sk-live-0123456789@x.example.com"}}"#,
    ])
    func aPastedSecretIsNotEchoed(_ endpoints: String) {
        let message = problems(endpoints)
        #expect(!message.isEmpty)
        #expect(!message.contains("sk-live"), "\(message)")
        #expect(message.contains("environment"), "\(message)")
    }
}
