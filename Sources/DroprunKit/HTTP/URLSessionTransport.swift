import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The default transport: Foundation's URL loading (libcurl on Linux), so `https` works with the system's certificates.
///
/// Every exchange goes through one long-lived session (`URLSessionHub`): ephemeral, no cookies, no cache. Its
/// delegate refuses every redirect (the 3xx comes back as it is), counts each body against `maxResponseBytes` as it
/// arrives, and a timer of the exchange's own ends it at `timeoutMs`; a cancel of the calling task ends it at once.
/// Nothing here runs URL loading on the cooperative pool: tasks are started and cancelled on the hub's control
/// queue, and the caller is resumed before any clean-up, so a stuck connection never holds a pool thread or the
/// caller past its deadline.
public struct URLSessionTransport: HTTPTransport {
    public init() {}

    public func send(_ request: HTTPRequest) async throws(HTTPTransportError) -> HTTPResponse {
        let exchange = URLSessionExchange(request, hub: .shared)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in exchange.start(continuation) }
        } onCancel: {
            exchange.finish(.failure(.cancelled))
        }
        return try result.get()
    }
}

/// The one session all exchanges use, and its delegate, which hands each callback to the exchange of its task.
///
/// One session for the process, not one per exchange: creating and invalidating a session per request exercises
/// FoundationNetworking's tear-down of its libcurl handles, which wedged its work queue on Linux under load (a
/// `recv` that never returned, every later request stuck behind it).
final class URLSessionHub: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    static let shared = URLSessionHub()

    /// Where tasks are created, resumed and cancelled (never the cooperative pool).
    let control = DispatchQueue(label: "droprun.http.control")
    private let callbacks = DispatchQueue(label: "droprun.http.callbacks")
    private let lock = NSLock()
    /// `@unchecked Sendable`: read and written only under `lock`.
    private var exchanges: [Int: URLSessionExchange] = [:]
    private var sessionStorage: URLSession?

    override private init() { super.init() }

    /// The session, made on first use.
    var session: URLSession {
        lock.lock()
        defer { lock.unlock() }
        if let sessionStorage { return sessionStorage }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpMaximumConnectionsPerHost = 64
        // Each exchange's own timer is the limit; these only keep the session from ending one first.
        configuration.timeoutIntervalForRequest = 7 * 86_400
        configuration.timeoutIntervalForResource = 7 * 86_400
        let operations = OperationQueue()
        operations.maxConcurrentOperationCount = 1
        operations.underlyingQueue = callbacks
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: operations)
        sessionStorage = session
        return session
    }

    func register(_ exchange: URLSessionExchange, task: Int) {
        lock.lock()
        exchanges[task] = exchange
        lock.unlock()
    }

    func unregister(task: Int) {
        lock.lock()
        exchanges[task] = nil
        lock.unlock()
    }

    private func exchange(_ task: URLSessionTask) -> URLSessionExchange? {
        lock.lock()
        defer { lock.unlock() }
        return exchanges[task.taskIdentifier]
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        // Never followed here: the 3xx is the answer, and `EndpointClient` decides.
        completionHandler(nil)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        completionHandler(exchange(dataTask)?.received(response) ?? false ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        exchange(dataTask)?.received(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let exchange = exchange(task)
        unregister(task: task.taskIdentifier)
        exchange?.completed(error: error, response: task.response)
    }
}

/// One exchange: its task, its deadline and the one continuation, resumed exactly once.
///
/// `@unchecked Sendable`: every mutable member is in `stateStorage`, read and written only under `lock`.
final class URLSessionExchange: @unchecked Sendable {
    typealias Outcome = Result<HTTPResponse, HTTPTransportError>

    private struct State {
        var continuation: CheckedContinuation<Outcome, Never>?
        /// Set when the exchange ended before it started (a cancel that came first).
        var early: Outcome?
        var finished = false
        var task: URLSessionDataTask?
        var timer: (any DispatchSourceTimer)?
        var response: HTTPURLResponse?
        var body: [UInt8] = []
    }

    private let request: HTTPRequest
    private let hub: URLSessionHub
    private var stateStorage = State()
    private let lock = NSLock()

    init(_ request: HTTPRequest, hub: URLSessionHub) {
        self.request = request
        self.hub = hub
    }

    private func withState<T>(_ body: (inout State) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&stateStorage)
    }

    /// Keeps `continuation`, arms the deadline and starts the task on the hub's control queue; returns at once.
    func start(_ continuation: CheckedContinuation<Outcome, Never>) {
        let early = withState { state -> Outcome? in
            if state.finished { return state.early ?? .failure(.cancelled) }
            state.continuation = continuation
            return nil
        }
        if let early {
            continuation.resume(returning: early)
            return
        }
        let ms = request.timeoutMs
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "droprun.http.deadline"))
        timer.schedule(deadline: .now() + .milliseconds(ms))
        timer.setEventHandler { [weak self] in self?.finish(.failure(.timedOut(ms: ms))) }
        withState { $0.timer = timer }
        timer.resume()
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = 7 * 86_400
        for (name, value) in request.headers { urlRequest.addValue(value, forHTTPHeaderField: name) }
        // A connection of its own for each exchange (libcurl leaves the header out on HTTP/2): one that was cancelled or
        // timed out never leaves a half-read connection in the cache for the next, and a server that restarted on the
        // same port is never spoken to over its predecessor's connection.
        if urlRequest.value(forHTTPHeaderField: "Connection") == nil { urlRequest.setValue("close", forHTTPHeaderField: "Connection") }
        if let body = request.body { urlRequest.httpBody = Data(body) }
        hub.control.async { [self, urlRequest] in
            let task = hub.session.dataTask(with: urlRequest)
            let open = withState { state -> Bool in
                guard !state.finished else { return false }
                state.task = task
                return true
            }
            guard open else { return }
            hub.register(self, task: task.taskIdentifier)
            task.resume()
        }
    }

    /// Ends the exchange with `result` unless it has ended already: the caller is resumed first, then the task is
    /// cancelled on the control queue.
    func finish(_ result: Outcome) {
        let ended = withState { state -> (CheckedContinuation<Outcome, Never>?, URLSessionDataTask?, (any DispatchSourceTimer)?)? in
            guard !state.finished else { return nil }
            state.finished = true
            state.early = result
            defer {
                state.continuation = nil
                state.task = nil
                state.timer = nil
                state.body = []
            }
            return (state.continuation, state.task, state.timer)
        }
        guard let (continuation, task, timer) = ended else { return }
        timer?.cancel()
        continuation?.resume(returning: result)
        if let task {
            hub.control.async { [hub] in
                hub.unregister(task: task.taskIdentifier)
                task.cancel()
            }
        }
    }

    // MARK: From the hub's delegate (on its callback queue)

    /// False when the answer is refused by its declared length.
    func received(_ response: URLResponse) -> Bool {
        if response.expectedContentLength > Int64(request.maxResponseBytes) {
            finish(.failure(.tooLarge(limit: request.maxResponseBytes)))
            return false
        }
        withState { $0.response = response as? HTTPURLResponse }
        return true
    }

    func received(_ data: Data) {
        let tooLarge = withState { state -> Bool in
            guard !state.finished else { return false }
            state.body.append(contentsOf: data)
            return state.body.count > request.maxResponseBytes
        }
        if tooLarge { finish(.failure(.tooLarge(limit: request.maxResponseBytes))) }
    }

    func completed(error: (any Error)?, response: URLResponse?) {
        if let error {
            finish(.failure(.connection(Self.describe(error))))
            return
        }
        let (http, body) = withState { ($0.response ?? response as? HTTPURLResponse, $0.body) }
        guard let http else {
            finish(.failure(.connection("the answer was not HTTP")))
            return
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            guard let name = name as? String else { continue }
            let lower = name.lowercased()
            let text = "\(value)"
            headers[lower] = headers[lower].map { $0 + ", " + text } ?? text
        }
        finish(.success(HTTPResponse(status: http.statusCode, headers: headers, body: body)))
    }

    /// The error in words, without the URL (only the code and what it means).
    static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        if ns.domain == NSURLErrorDomain {
            switch ns.code {
            case NSURLErrorCannotConnectToHost: return "the connection was refused"
            case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed: return "the host name could not be resolved"
            case NSURLErrorNetworkConnectionLost: return "the connection was lost before the answer ended"
            case NSURLErrorTimedOut: return "the connection timed out"
            case NSURLErrorSecureConnectionFailed, NSURLErrorServerCertificateUntrusted, NSURLErrorServerCertificateHasBadDate,
                NSURLErrorServerCertificateNotYetValid, NSURLErrorServerCertificateHasUnknownRoot:
                return "the TLS connection failed (\(ns.code))"
            case NSURLErrorBadServerResponse: return "the server's answer was not valid HTTP"
            default: return "error \(ns.code)"
            }
        }
        return "\(ns.domain) error \(ns.code)"
    }
}
