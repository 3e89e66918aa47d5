import DroprunKit
import Foundation
import Testing

/// `EndpointClient` against a scripted transport: the URL under the base, the headers, redirects, statuses, secrets.
@Suite struct EndpointClientTests {
    static let secret = "sk-test-4f1c9a3e"

    func client(
        _ transport: ScriptedTransport, base: String = "https://crm.example.com/api", configure: (inout HTTPEndpointSettings) -> Void = { _ in }
    )
        -> EndpointClient
    {
        var settings = HTTPEndpointSettings(baseURL: base)
        settings.headers = ["Authorization": SecretHeader(env: "CRM_TOKEN", prefix: "Bearer ")]
        settings.allowedHeaders = ["x-request-id"]
        settings.methods = ["GET", "POST", "PUT"]
        configure(&settings)
        return EndpointClient(alias: "crm", settings: settings, transport: transport, environment: ["CRM_TOKEN": Self.secret])
    }

    func failure(_ body: () async throws(StepFailure) -> HTTPResponse) async -> StepFailure? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error
        }
    }

    @Test func theURLIsUnderTheBaseWithTheQueryAndEveryHeader() async throws {
        let transport = ScriptedTransport(HTTPResponse(status: 200, body: Array("ok".utf8)))
        let response = try await client(transport).exchange(
            EndpointCall(
                method: "post", path: "/items/a b/ü", query: ["q": "x&y=z", "a": "1"], headers: ["X-Request-Id": "r1", "Content-Type": "text/plain"],
                body: Array("hi".utf8)))
        #expect(response.status == 200)
        let sent = try #require(transport.sent.first)
        #expect(sent.method == "POST")
        #expect(sent.url.absoluteString == "https://crm.example.com/api/items/a%20b/%C3%BC?a=1&q=x%26y%3Dz")
        #expect(sent.headers.map(\.name) == ["Content-Type", "X-Request-Id", "Authorization"])
        #expect(sent.headers.last?.value == "Bearer " + Self.secret)
        #expect(sent.body == Array("hi".utf8))
        #expect(sent.timeoutMs == 30_000 && sent.maxResponseBytes == 1 << 20)
    }

    @Test func anEmptyPathIsTheBaseItself() async throws {
        let transport = ScriptedTransport(HTTPResponse(status: 204))
        _ = try await client(transport).exchange(EndpointCall(method: "GET"))
        #expect(transport.sent.first?.url.absoluteString == "https://crm.example.com/api")
    }

    @Test(arguments: [
        (EndpointCall(method: "DELETE", path: "/x"), "allows GET, POST, PUT; the request asked DELETE"),
        (EndpointCall(method: "GET", path: "x"), "to start with '/'"),
        (EndpointCall(method: "GET", path: "/a/../../admin"), "'..'"),
        (EndpointCall(method: "GET", path: "/./x"), "'.'"),
        (EndpointCall(method: "GET", path: "/x?admin=1"), "'query'"),
        (EndpointCall(method: "GET", path: "/x", headers: ["Authorization": "Bearer mine"]), "header 'Authorization'"),
        (EndpointCall(method: "GET", path: "/x", headers: ["Host": "evil.example.com"]), "header 'Host'"),
        (EndpointCall(method: "GET", path: "/x", headers: ["X-Request-Id": "a\r\nHost: evil"]), "line break"),
    ])
    func aCallTheEndpointDoesNotAllowIsInvalidInputAndSendsNothing(_ call: EndpointCall, _ words: String) async {
        let transport = ScriptedTransport(HTTPResponse(status: 200))
        let failure = await failure { () async throws(StepFailure) in try await client(transport).exchange(call) }
        #expect(failure?.code == .invalidInput)
        #expect(failure?.retryable == false)
        #expect(failure?.message.contains(words) == true, "\(String(describing: failure))")
        #expect(transport.sent.isEmpty)
    }

    @Test func aMissingSecretNamesTheVariableAndSendsNothing() async {
        let transport = ScriptedTransport(HTTPResponse(status: 200))
        let bare = EndpointClient(alias: "crm", settings: client(transport).settings, transport: transport, environment: [:])
        let failure = await failure { () async throws(StepFailure) in try await bare.exchange(EndpointCall(method: "GET")) }
        #expect(failure?.code == .missingSecret)
        #expect(failure?.message.contains("CRM_TOKEN") == true && failure?.message.contains("Authorization") == true)
        #expect(transport.sent.isEmpty)
    }

    @Test func aRedirectWithinTheEndpointIsFollowedAndASeeOtherBecomesAGet() async throws {
        let transport = ScriptedTransport(
            HTTPResponse(status: 303, headers: ["location": "/api/jobs/7"]),
            HTTPResponse(status: 307, headers: ["location": "https://CRM.example.com:443/api/jobs/7/result"]),
            HTTPResponse(status: 200, body: Array("{}".utf8)))
        let response = try await client(transport).exchange(
            EndpointCall(method: "POST", path: "/jobs", headers: ["Content-Type": "application/json"], body: Array("{}".utf8)))
        #expect(response.status == 200)
        #expect(
            transport.sent.map(\.url.absoluteString) == [
                "https://crm.example.com/api/jobs", "https://crm.example.com/api/jobs/7", "https://CRM.example.com:443/api/jobs/7/result",
            ])
        #expect(transport.sent.map(\.method) == ["POST", "GET", "GET"])
        #expect(transport.sent[1].body == nil && !transport.sent[1].headers.contains { $0.name == "Content-Type" })
    }

    @Test(arguments: [
        ("https://evil.example.com/api/x", "to another host ('evil.example.com')"),
        ("http://crm.example.com/api/x", "to another scheme ('http')"),
        ("https://crm.example.com:8443/api/x", "to another port (8443)"),
        ("/admin", "outside its base path ('/admin' is not under '/api')"),
        ("/apiary", "outside its base path"),
    ])
    func aRedirectOffTheEndpointIsRefused(_ location: String, _ words: String) async {
        let transport = ScriptedTransport(HTTPResponse(status: 302, headers: ["location": location]), HTTPResponse(status: 200))
        let failure = await failure { () async throws(StepFailure) in try await client(transport).exchange(EndpointCall(method: "GET", path: "/x")) }
        #expect(failure?.code == .httpRedirectRefused)
        #expect(failure?.message.contains(words) == true, "\(String(describing: failure))")
        #expect(transport.sent.count == 1)
    }

    @Test func moreThanFiveRedirectsAreRefused() async {
        let transport = ScriptedTransport(Array(repeating: .response(HTTPResponse(status: 302, headers: ["location": "/api/again"])), count: 7))
        let failure = await failure { () async throws(StepFailure) in try await client(transport).exchange(EndpointCall(method: "GET")) }
        #expect(failure?.code == .httpRedirectRefused)
        #expect(failure?.message.contains("more than 5") == true)
        #expect(transport.sent.count == 6)
    }

    @Test func aThreeHundredWithoutALocationIsTheAnswer() async throws {
        let transport = ScriptedTransport(HTTPResponse(status: 304))
        #expect(try await client(transport).exchange(EndpointCall(method: "GET")).status == 304)
    }

    @Test func transportErrorsBecomeTheirCodes() async {
        let cases: [(HTTPTransportError, StepFailure.Code, Bool)] = [
            (.timedOut(ms: 250), .httpTimeout, true), (.tooLarge(limit: 10), .httpTooLarge, false),
            (.connection("the connection was refused"), .httpConnection, true),
            (.cancelled, .httpConnection, false),
        ]
        for (error, code, retryable) in cases {
            let transport = ScriptedTransport([.error(error)])
            let failure = await failure { () async throws(StepFailure) in try await client(transport).exchange(EndpointCall(method: "GET")) }
            #expect(failure?.code == code, "\(error)")
            #expect(failure?.retryable == retryable, "\(error)")
            #expect(failure?.message.contains("endpoint 'crm' (crm.example.com)") == true, "\(String(describing: failure))")
        }
    }

    @Test func aStatusIsRetryableOnlyWhenListedAndCarriesItsRetryAfter() {
        let c = client(ScriptedTransport())
        let now = Date(timeIntervalSince1970: 1_767_225_600)
        #expect(c.statusFailure(HTTPResponse(status: 201), now: now) == nil)
        let limited = c.statusFailure(HTTPResponse(status: 429, headers: ["retry-after": "7"], body: Array("slow down".utf8)), now: now)
        #expect(limited?.code == .httpStatus && limited?.retryable == true && limited?.retryAfterMs == 7000)
        #expect(limited?.message == "endpoint 'crm' answered 429: slow down")
        let unavailable = c.statusFailure(HTTPResponse(status: 503, headers: ["retry-after": "Thu, 01 Jan 2026 00:00:02 GMT"]), now: now)
        #expect(unavailable?.retryable == true && unavailable?.retryAfterMs == 2000)
        let missing = c.statusFailure(
            HTTPResponse(status: 404, headers: ["retry-after": "7"], body: Array("{\"error\": \"no such item\"}\n".utf8)), now: now)
        #expect(missing?.retryable == false && missing?.retryAfterMs == nil)
        #expect(missing?.message == #"endpoint 'crm' answered 404: {"error": "no such item"}"#)
    }

    /// An answer that echoes the request's headers carries no secret into the failure's message.
    @Test func aSecretEchoedInAnAnswerIsRedacted() {
        let c = client(ScriptedTransport())
        let failure = c.statusFailure(HTTPResponse(status: 400, body: Array("bad header Authorization: Bearer \(Self.secret)".utf8)))
        #expect(failure?.message.contains(Self.secret) == false)
        #expect(failure?.message.contains("Bearer [secret]") == true, "\(String(describing: failure))")
    }
}
