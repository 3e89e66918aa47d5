#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file-system call: which call, on which path, and the system's reason.
public struct FileSystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call or operation, e.g. `rename`.
    public var operation: String
    /// The path it was about.
    public var path: String
    /// The `errno` it failed with.
    public var code: Int32

    public init(_ operation: String, path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// True when the path did not exist.
    public var isNotFound: Bool { code == ENOENT }
    /// True when the destination already existed.
    public var isAlreadyExists: Bool { code == EEXIST }

    public var description: String {
        "\(operation) '\(path)': \(reason)"
    }

    /// The system's words for `code` (`No space left on device`).
    public var reason: String { String(cString: strerror(code)) }
}
