import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `syncfs`, which Glibc's Swift module does not export (it needs `_GNU_SOURCE`): looked up once.
enum SyncFS {
    typealias Function = @convention(c) (Int32) -> Int32
    static let function: Function? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()
}
