import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CPU and I/O priority of a housekeeping process (`droprun gc`): lowered, so runs beside it keep their pace.
///
/// CPU: nice 10 (`setpriority`). I/O: best effort, level 7 (the lowest of its class) through `ioprio_set` on Linux
/// (heeded by the `bfq` scheduler; `none` and `mq-deadline` ignore it); on macOS, background disk I/O
/// (`setiopolicy_np`). Only for the whole process of `gc`: never for a `watch` or `run --once`, whose runs would slow too.
public enum HousekeepingPriority {
    /// Nice value of a housekeeping process.
    public static let nice: Int32 = 10
    /// Best-effort I/O level (0 highest, 7 lowest).
    public static let ioLevel: Int32 = 7

    #if canImport(Glibc)
    /// `SYS_ioprio_set` (not exported by Glibc's Swift module): its number on each architecture.
    private static var ioprioSet: Int? {
        #if arch(x86_64)
        return 251
        #elseif arch(arm64)
        return 30
        #else
        return nil
        #endif
    }
    #endif

    /// Lowers this process's priorities; what the system refuses is left as it is (gc still works, only less gently).
    public static func lowerThisProcess() {
        #if canImport(Glibc)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
        // IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 7): the class in the top 3 bits of 16; IOPRIO_WHO_PROCESS is 1.
        let bestEffort: Int32 = 2
        let whoProcess: Int32 = 1
        // `syscall` is variadic (not exported): called through its address with the fixed integer arguments.
        if let number = ioprioSet, let address = DynamicSymbol.address("syscall") {
            typealias Syscall = @convention(c) (Int, Int32, Int32, Int32) -> Int
            _ = unsafeBitCast(address, to: Syscall.self)(number, whoProcess, 0, (bestEffort << 13) | ioLevel)
        }
        #elseif canImport(Darwin)
        _ = setpriority(PRIO_PROCESS, 0, nice)
        _ = setiopolicy_np(IOPOL_TYPE_DISK, IOPOL_SCOPE_PROCESS, IOPOL_THROTTLE)
        #endif
    }
}
