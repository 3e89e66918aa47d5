#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `pidfd_open` and `pidfd_send_signal` (Linux 5.3, glibc 2.36), looked up at run time; absent, the start time alone is checked.
enum Pidfd {
    typealias OpenFunction = @convention(c) (pid_t, UInt32) -> Int32
    typealias SendFunction = @convention(c) (Int32, Int32, UnsafeMutableRawPointer?, UInt32) -> Int32
    static let openFunction: OpenFunction? = DynamicSymbol.address("pidfd_open").map { unsafeBitCast($0, to: OpenFunction.self) }
    static let sendFunction: SendFunction? = DynamicSymbol.address("pidfd_send_signal").map { unsafeBitCast($0, to: SendFunction.self) }

    /// A pidfd (close-on-exec, as every pidfd is) of `pid`, or nil where there is none.
    static func open(_ pid: Int32) -> Int32? {
        guard let openFunction, sendFunction != nil else { return nil }
        let fd = openFunction(pid, 0)
        return fd >= 0 ? fd : nil
    }

    /// True while the process the pidfd names has not been reaped.
    static func isAlive(_ fd: Int32) -> Bool {
        guard let sendFunction else { return false }
        return sendFunction(fd, 0, nil, 0) == 0 || errno == EPERM
    }
}
