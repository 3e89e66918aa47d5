#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C functions the C library has but Swift's module of it does not export (variadic, or behind `_GNU_SOURCE`):
/// looked up by name in the running process.
enum DynamicSymbol {
    /// The address of the function `name`, or nil where this C library lacks it.
    ///
    /// The caller casts it to the function's C type itself (`unsafeBitCast(_:to:)` with a concrete
    /// `@convention(c)` type): cast through a generic parameter, a C function pointer is taken for a Swift closure
    /// and calling it crashes.
    static func address(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(defaultHandle, name)
    }

    /// `RTLD_DEFAULT`, which Swift does not import: 0 in glibc, -2 on Darwin. Any other value is taken for a
    /// library's handle, and glibc follows it as a pointer (-2 crashed the runner in `dlsym`).
    private static var defaultHandle: UnsafeMutableRawPointer? {
        #if os(Linux)
        UnsafeMutableRawPointer(bitPattern: 0)
        #else
        UnsafeMutableRawPointer(bitPattern: -2)
        #endif
    }
}
