import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

extension RealHTTP {
    /// The real transport against a server on 127.0.0.1 that the test starts.
    @Suite(.timeLimit(.minutes(1))) struct URLSessionTransportTests {
        func request(
            _ server: LoopbackHTTPServer, _ path: String, method: String = "GET", body: [UInt8]? = nil, timeoutMs: Int = 10_000, max: Int = 1 << 20
        )
            -> HTTPRequest
        {
            HTTPRequest(
                method: method, url: URL(string: server.baseURL + path)!, headers: [("X-Token", "t0ken"), ("Content-Type", "application/json")],
                body: body,
                timeoutMs: timeoutMs, maxResponseBytes: max)
        }

        func error(_ body: () async throws(HTTPTransportError) -> HTTPResponse) async -> HTTPTransportError? {
            do {
                _ = try await body()
                return nil
            } catch {
                return error
            }
        }

        @Test func anAnswerComesBackWithItsStatusHeadersAndBody() async throws {
            let server = try LoopbackHTTPServer { request, _ in .json(201, #"{"got": "\#(request.text)"}"#, headers: [("X-Trace", "t1")]) }
            defer { server.stop() }
            let response = try await URLSessionTransport().send(request(server, "/items?q=1", method: "POST", body: Array("hello".utf8)))
            #expect(response.status == 201)
            #expect(response.headers["x-trace"] == "t1")
            #expect(response.headers["content-type"] == "application/json")
            #expect(String(decoding: response.body, as: UTF8.self) == #"{"got": "hello"}"#)
            let received = try #require(server.requests.first)
            #expect(received.method == "POST" && received.target == "/items?q=1")
            #expect(received.headers["x-token"] == "t0ken")
        }

        @Test func aRedirectIsNotFollowed() async throws {
            let server = try LoopbackHTTPServer { _, _ in .respond(status: 302, headers: [("Location", "http://127.0.0.1:1/elsewhere")]) }
            defer { server.stop() }
            let response = try await URLSessionTransport().send(request(server, "/x"))
            #expect(response.status == 302)
            #expect(response.headers["location"] == "http://127.0.0.1:1/elsewhere")
            #expect(server.requests.count == 1)
        }

        /// The server answers after 3 s: a `timedOut` proves the deadline came first (how soon is the benchmark's business).
        @Test func aSlowServerTimesOut() async throws {
            let server = try LoopbackHTTPServer { _, _ in .after(ms: 3000, .json(200, "{}")) }
            defer { server.stop() }
            let error = await error { () async throws(HTTPTransportError) in
                try await URLSessionTransport().send(request(server, "/slow", timeoutMs: 200))
            }
            #expect(error == .timedOut(ms: 200))
        }

        @Test func aBodyLongerThanTheLimitIsRefusedByItsLengthOrAsItArrives() async throws {
            let declared = try LoopbackHTTPServer { _, _ in .respond(status: 200, body: Array(repeating: 65, count: 5000)) }
            defer { declared.stop() }
            #expect(
                await error { () async throws(HTTPTransportError) in try await URLSessionTransport().send(request(declared, "/big", max: 1000)) }
                    == .tooLarge(limit: 1000))
            let endless = try LoopbackHTTPServer { _, _ in .endless(status: 200, chunk: Array(repeating: 66, count: 4096)) }
            defer { endless.stop() }
            #expect(
                await error { () async throws(HTTPTransportError) in try await URLSessionTransport().send(request(endless, "/forever", max: 100_000))
                }
                    == .tooLarge(limit: 100_000))
            #expect(await endless.wait { $0.disconnects == 1 }, "the server saw the client go")
        }

        @Test func aCancelEndsTheExchangeAtOnceAndTheServerSeesTheClientGo() async throws {
            let server = try LoopbackHTTPServer { _, _ in .hang }
            defer { server.stop() }
            let task = Task { () async throws(HTTPTransportError) -> HTTPResponse in try await URLSessionTransport().send(request(server, "/hang")) }
            #expect(await server.wait(seconds: 30) { $0.requests.count == 1 })
            task.cancel()
            let result = await task.result
            #expect(throws: HTTPTransportError.cancelled) { try result.get() }
            #expect(await server.wait(seconds: 30) { $0.disconnects == 1 })
        }

        @Test func aCancelBeforeTheExchangeStartsSendsNothing() async throws {
            let server = try LoopbackHTTPServer { _, _ in .json(200, "{}") }
            defer { server.stop() }
            let task = Task { () async throws(HTTPTransportError) -> HTTPResponse in
                withUnsafeCurrentTask { $0?.cancel() }
                return try await URLSessionTransport().send(request(server, "/never"))
            }
            let result = await task.result
            #expect(throws: HTTPTransportError.cancelled) { try result.get() }
        }

        @Test func aRefusedConnectionIsAConnectionError() async throws {
            let server = try LoopbackHTTPServer { _, _ in .close }
            let url = server.baseURL
            server.stop()
            let error = await error { () async throws(HTTPTransportError) in
                try await URLSessionTransport().send(
                    HTTPRequest(method: "GET", url: URL(string: url + "/x")!, timeoutMs: 5000, maxResponseBytes: 100))
            }
            guard case .connection = error else {
                Issue.record("expected a connection error, got \(String(describing: error))")
                return
            }
        }

        @Test func aDroppedConnectionIsAConnectionError() async throws {
            let server = try LoopbackHTTPServer { _, _ in .close }
            defer { server.stop() }
            let error = await error { () async throws(HTTPTransportError) in try await URLSessionTransport().send(request(server, "/drop")) }
            guard case .connection = error else {
                Issue.record("expected a connection error, got \(String(describing: error))")
                return
            }
        }
    }
}
