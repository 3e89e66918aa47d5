import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The default transport: Foundation's URL loading (libcurl on Linux), so `https` works with the system's certificates.
public struct URLSessionTransport: HTTPTransport {
    public init() {}

    public func send(_ request: HTTPRequest) async throws(HTTPTransportError) -> HTTPResponse {
        // Skeleton: the http helper builds this.
        throw .connection("not built yet")
    }
}
