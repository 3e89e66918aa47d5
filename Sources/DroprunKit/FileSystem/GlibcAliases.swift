#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Names that collide with methods of `PosixFileSystem`, reachable under distinct names.

@inline(__always) func Glibc_close(_ fd: Int32) { _ = close(fd) }
@inline(__always) func Glibc_rename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
@inline(__always) func Glibc_link(_ from: String, _ to: String) -> Int32 { link(from, to) }
@inline(__always) func Glibc_renameC(_ from: UnsafePointer<CChar>?, _ to: String) -> Int32 { rename(from, to) }
