import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The test server answers as told, records what it received and sees a client go.
@Suite(.timeLimit(.minutes(1))) struct LoopbackHTTPServerTests {
    @Test func answersAndRecordsTheRequest() async throws {
        let server = try LoopbackHTTPServer { request, n in
            .json(201, #"{"n": \#(n), "path": "\#(request.path)"}"#, headers: [("X-Trace", "t1")])
        }
        defer { server.stop() }
        var request = URLRequest(url: URL(string: server.baseURL + "/items?q=1")!)
        request.httpMethod = "POST"
        request.httpBody = Data("hello".utf8)
        request.setValue("text/plain", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 201)
        #expect(http.value(forHTTPHeaderField: "X-Trace") == "t1")
        #expect(String(decoding: data, as: UTF8.self) == #"{"n": 1, "path": "/items"}"#)
        let received = try #require(server.requests.first)
        #expect(received.method == "POST")
        #expect(received.target == "/items?q=1")
        #expect(received.text == "hello")
        #expect(received.headers["content-type"] == "text/plain")
    }

    /// A plain socket, so the test depends on no client library's cancel: the server holds the request until the
    /// client closes, then counts the disconnect.
    @Test func seesAClientGoWhileItHangs() async throws {
        let server = try LoopbackHTTPServer { _, _ in .hang }
        defer { server.stop() }
        let fd = try server.connect(sending: Array("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        let received = await server.wait { $0.requests.count == 1 }
        close(fd)
        #expect(received)
        #expect(server.requests.first?.target == "/slow")
        #expect(await server.wait { $0.disconnects == 1 })
    }
}
