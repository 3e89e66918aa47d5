import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the command line writes text. The library never prints; it writes here.
public protocol OutputSink: Sendable {
    /// Writes text as it is (add your own newline).
    func write(_ text: String)
}

extension OutputSink {
    /// Writes one line.
    public func line(_ text: String = "") { write(text + "\n") }
}
