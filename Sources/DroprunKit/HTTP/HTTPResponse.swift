/// An HTTP answer: status, headers (names in lower case) and the body.
public struct HTTPResponse: Sendable, Equatable {
    /// The status code.
    public var status: Int
    /// Header values by lower-case name (repeated headers joined with ", ").
    public var headers: [String: String]
    /// The body, at most the request's `maxResponseBytes`.
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
