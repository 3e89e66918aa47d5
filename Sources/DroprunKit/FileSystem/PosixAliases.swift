#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Names that collide with methods of `PosixFileSystem`, reachable under distinct names.

@inline(__always) func posixClose(_ fd: Int32) { _ = close(fd) }
@inline(__always) func posixRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
@inline(__always) func posixLink(_ from: String, _ to: String) -> Int32 { link(from, to) }
@inline(__always) func posixRenameC(_ from: UnsafePointer<CChar>?, _ to: String) -> Int32 { rename(from, to) }
