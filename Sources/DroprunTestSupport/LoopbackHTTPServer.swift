import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 server on 127.0.0.1 that tests start: each request is answered as the test's handler says.
///
/// It accepts on a thread of its own and serves each connection on another
/// (never on the cooperative pool), reads one request per connection (a
/// `Content-Length` body), answers with `Connection: close`, and records what
/// it received. Replies can be slow, never come, stream a body forever or drop
/// the connection, so timeouts, size limits and cancels can be tested for real.
public final class LoopbackHTTPServer: Sendable {
    /// A request as the server received it.
    public struct Request: Sendable, Equatable {
        /// `GET`, `POST`, ...
        public var method: String
        /// The request target: the path and the query (`/v1/items?q=1`).
        public var target: String
        /// Header values by lower-case name.
        public var headers: [String: String]
        /// The body.
        public var body: [UInt8]

        /// The target without its query.
        public var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// How to answer one request.
    public indirect enum Reply: Sendable {
        /// An answer with a `Content-Length` body.
        case respond(status: Int, headers: [(String, String)] = [], body: [UInt8] = [])
        /// `reply`, after `ms` milliseconds of real time.
        case after(ms: Int, Reply)
        /// No answer ever; the connection ends when the client closes it (counted in `disconnects`).
        case hang
        /// The status line and headers, then `chunk` again and again until the client closes (counted in `disconnects`).
        case endless(status: Int, headers: [(String, String)] = [], chunk: [UInt8])
        /// The connection is closed without an answer.
        case close

        /// A JSON answer.
        public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Reply {
            .respond(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
        }
    }

    /// Answers request number `n` (1 for the first).
    public typealias Handler = @Sendable (_ request: Request, _ n: Int) -> Reply

    private struct State {
        var requests: [Request] = []
        var disconnects = 0
        var open = 0
        var stopped = false
    }

    private let listener: Int32
    /// The port it listens on.
    public let port: Int
    private let handler: Handler
    private let state = Mutex(State())

    /// Starts a server on an ephemeral port of 127.0.0.1.
    public init(handler: @escaping Handler) throws {
        self.handler = handler
        let fd = try Self.tcpSocket()
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw Self.error("bind/listen")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "loopback-http-accept"
        thread.start()
    }

    deinit { stop() }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request received so far, in order.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// Connections the client closed before the server was done with them (a `hang` or an `endless` answer).
    public var disconnects: Int { state.withLock { $0.disconnects } }

    /// Connections being served now.
    public var openConnections: Int { state.withLock { $0.open } }

    /// Stops accepting; connections being served end as their clients go.
    public func stop() {
        let first = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Waits (real time, at most `seconds`) until `condition` holds; for tests that wait for the client's side.
    ///
    /// It sleeps between looks with `Task.sleep`, so a waiting test never holds a thread of the cooperative pool.
    public func wait(seconds: Double = 10, until condition: (LoopbackHTTPServer) -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition(self) { return true }
            do { try await Task.sleep(for: .milliseconds(5)) } catch { break }
        }
        return condition(self)
    }

    /// Opens a plain TCP connection to the server and writes `bytes` on it; the caller closes the descriptor.
    ///
    /// For tests of the server itself that must not depend on a client library's own cancel or timeout.
    public func connect(sending bytes: [UInt8]) throws -> Int32 {
        let fd = try Self.tcpSocket()
        var address = Self.loopback(port: UInt16(port))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0, Self.send(fd, bytes) else {
            let failure = Self.error("connect")
            close(fd)
            throw failure
        }
        return fd
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            #if canImport(Darwin)
            var yes: Int32 = 1
            setsockopt(connection, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size))
            #endif
            state.withLock { $0.open += 1 }
            let thread = Thread { [self] in
                serve(connection)
                close(connection)
                state.withLock { $0.open -= 1 }
            }
            thread.name = "loopback-http-connection"
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        guard let request = Self.readRequest(fd) else { return }
        let n = state.withLock { state -> Int in
            state.requests.append(request)
            return state.requests.count
        }
        answer(handler(request, n), on: fd)
    }

    private func answer(_ reply: Reply, on fd: Int32) {
        switch reply {
        case .respond(let status, let headers, let body):
            var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            guard Self.send(fd, Array(head.utf8) + body) else { return }
            Self.closeGracefully(fd)
        case .after(let ms, let next):
            usleep(useconds_t(ms * 1000))
            answer(next, on: fd)
        case .hang:
            // Waits until the client closes (a read returns 0 or fails).
            var byte: UInt8 = 0
            while true {
                let n = recv(fd, &byte, 1, 0)
                if n > 0 { continue }
                if n < 0, errno == EINTR { continue }
                break
            }
            state.withLock { $0.disconnects += 1 }
        case .endless(let status, let headers, let chunk):
            var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "Connection: close\r\n\r\n"
            guard Self.send(fd, Array(head.utf8)) else { return }
            while Self.send(fd, chunk) {}
            state.withLock { $0.disconnects += 1 }
        case .close:
            return
        }
    }

    /// A new TCP socket.
    private static func tcpSocket() throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw error("socket") }
        return fd
    }

    /// 127.0.0.1 at `port` (0: any free port).
    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// Ends the sending side and reads until the client closes (at most 2 s): a close with bytes unread would be a
    /// reset, which can destroy the answer before the client has read it.
    private static func closeGracefully(_ fd: Int32) {
        shutdown(fd, Int32(SHUT_WR))
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
        }
    }

    /// Writes all of `bytes`; false once the peer is gone.
    private static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
            let flags = Int32(MSG_NOSIGNAL)
            #else
            let flags: Int32 = 0
            #endif
            let n = bytes.withUnsafeBytes { rawSend(fd, $0.baseAddress! + offset, bytes.count - offset, flags) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Reads one request: the head up to the blank line, then `Content-Length` bytes of body.
    private static func readRequest(_ fd: Int32) -> Request? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            buffer += chunk[0..<n]
            if buffer.count >= 4 {
                for i in max(0, buffer.count - n - 3)...(buffer.count - 4) where Array(buffer[i..<i + 4]) == separator {
                    headEnd = i
                    break
                }
            }
            if buffer.count > 1 << 20 { return nil }
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        var body = Array(buffer[(headEnd + 4)...])
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        while body.count < length {
            let n = recv(fd, &chunk, min(chunk.count, length - body.count), 0)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            body += chunk[0..<n]
        }
        return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 307: "Temporary Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 529: "Overloaded"
        default: "Status"
        }
    }

    private static func error(_ call: String) -> NSError {
        NSError(domain: "LoopbackHTTPServer", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "\(call): \(String(cString: strerror(errno)))"])
    }
}

#if canImport(Glibc)
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    Glibc.connect(fd, address, length)
}
private func rawSend(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    Glibc.send(fd, buffer, count, flags)
}
#else
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    Darwin.connect(fd, address, length)
}
private func rawSend(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    Darwin.send(fd, buffer, count, flags)
}
#endif
