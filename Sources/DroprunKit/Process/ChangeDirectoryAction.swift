#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `posix_spawn_file_actions_addchdir_np` (glibc 2.29, macOS 10.15), looked up at run time: Glibc's Swift module does not export it.
enum ChangeDirectoryAction {
    typealias Function = @convention(c) (UnsafeMutablePointer<SpawnActions>, UnsafePointer<CChar>) -> Int32
    static let function: Function? = DynamicSymbol.address("posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: Function.self) }
}
