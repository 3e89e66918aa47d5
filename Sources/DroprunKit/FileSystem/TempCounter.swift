import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unique suffixes for temporary files written by this process.
enum TempCounter {
    private static let counter = Atomic<Int>(0)
    /// This process's id, read once (a system call per file otherwise).
    static let pid = getpid()
    static func next() -> Int { counter.add(1, ordering: .relaxed).newValue }
}
