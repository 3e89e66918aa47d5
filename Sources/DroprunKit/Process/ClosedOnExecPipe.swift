#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `pipe2(fds, O_CLOEXEC)`, looked up at run time (Glibc's Swift module may not export it); falls back to `pipe` and
/// `FD_CLOEXEC` where it is missing (macOS, where `posix_spawn` threads do not race the same way: the launcher's only).
enum ClosedOnExecPipe {
    typealias Function = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    static let function: Function? = {
        #if os(Linux)
        return DynamicSymbol.address("pipe2").map { unsafeBitCast($0, to: Function.self) }
        #else
        return nil
        #endif
    }()

    /// 0 on success, else -1 with `errno` set.
    static func make(_ fds: inout [Int32]) -> Int32 {
        if let function {
            #if os(Linux)
            return fds.withUnsafeMutableBufferPointer { function($0.baseAddress!, O_CLOEXEC) }
            #endif
        }
        guard pipe(&fds) == 0 else { return -1 }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return 0
    }
}
