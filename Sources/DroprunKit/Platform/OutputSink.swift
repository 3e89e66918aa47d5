#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where the command line writes text. The library never prints; it writes here.
public protocol OutputSink: Sendable {
    /// Writes text as it is (add your own newline).
    func write(_ text: String)
}

extension OutputSink {
    /// Writes one line.
    public func line(_ text: String = "") { write(text + "\n") }
}

/// Writes to a file descriptor (1 for standard output, 2 for standard error).
public struct FileDescriptorSink: OutputSink {
    /// The descriptor written to.
    public let descriptor: Int32

    public init(descriptor: Int32) { self.descriptor = descriptor }

    public func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in
                #if canImport(Glibc)
                Glibc.write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                #else
                Darwin.write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                #endif
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
        bytes.removeAll()
    }
}

/// Collects output in memory, for tests and for fixtures.
public final class CapturedOutput: OutputSink {
    private let text = Mutex("")

    public init() {}

    public func write(_ text: String) { self.text.withLock { $0 += text } }

    /// Everything written so far.
    public var contents: String { text.withLock { $0 } }
}
