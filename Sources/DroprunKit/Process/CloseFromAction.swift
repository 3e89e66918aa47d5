#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34), looked up at run time: closes every descriptor from a number up.
enum CloseFromAction {
    typealias Function = @convention(c) (UnsafeMutablePointer<SpawnActions>, Int32) -> Int32
    static let function: Function? = {
        #if os(Linux)
        return DynamicSymbol.address("posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: Function.self) }
        #else
        return nil
        #endif
    }()
}
