import Foundation

/// One HTTP request as droprun sends it: always to an endpoint the operator allowed (see `EndpointClient`).
public struct HTTPRequest: Sendable, Equatable {
    /// `GET`, `POST`, ... in upper case.
    public var method: String
    /// The full URL (under the endpoint's base).
    public var url: URL
    /// Header names and values, in order. Values may be secrets: never log or record them.
    public var headers: [(name: String, value: String)]
    /// The body, when there is one.
    public var body: [UInt8]?
    /// Time limit of the whole exchange (connect, send, receive).
    public var timeoutMs: Int
    /// The most body bytes accepted; a longer answer is refused (`HTTPTransportError.tooLarge`).
    public var maxResponseBytes: Int

    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil, timeoutMs: Int, maxResponseBytes: Int)
    {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMs = timeoutMs
        self.maxResponseBytes = maxResponseBytes
    }

    public static func == (a: HTTPRequest, b: HTTPRequest) -> Bool {
        a.method == b.method && a.url == b.url && a.body == b.body && a.timeoutMs == b.timeoutMs && a.maxResponseBytes == b.maxResponseBytes
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }
}
