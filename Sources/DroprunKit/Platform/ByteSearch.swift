#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds bytes in bytes with the C library's `memmem` (which Glibc's Swift module does not export: looked up once),
/// so a prefilter over megabytes of audit lines costs about what reading them does.
enum ByteSearch {
    typealias Function = @convention(c) (UnsafeRawPointer?, Int, UnsafeRawPointer?, Int) -> UnsafeMutableRawPointer?
    static let memmem: Function? = DynamicSymbol.address("memmem").map { unsafeBitCast($0, to: Function.self) }

    /// The offset of the first `needle` in `haystack` at or after `from`; nil when there is none.
    static func first(_ needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        guard let base = haystack.baseAddress, from <= haystack.count, needle.count > 0 else { return nil }
        let length = haystack.count - from
        guard needle.count <= length else { return nil }
        if let memmem {
            guard let found = memmem(base + from, length, needle.baseAddress, needle.count) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
        let first = needle[0]
        var at = from
        while at + needle.count <= haystack.count {
            guard let hit = memchr(base + at, Int32(first), haystack.count - needle.count + 1 - at) else { return nil }
            let offset = base.distance(to: UnsafeRawPointer(hit))
            if let pattern = needle.baseAddress, memcmp(base + offset, pattern, needle.count) == 0 { return offset }
            at = offset + 1
        }
        return nil
    }

    /// The offset of the last newline before `end` in `bytes`; nil when there is none.
    static func lastNewline(in bytes: UnsafeRawBufferPointer, before end: Int) -> Int? {
        var i = end - 1
        while i >= 0 {
            if bytes[i] == 0x0A { return i }
            i -= 1
        }
        return nil
    }

    /// The offset of the first newline at or after `from` in `bytes`; nil when there is none.
    static func nextNewline(in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = bytes.baseAddress, from < bytes.count, let hit = memchr(base + from, 0x0A, bytes.count - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }
}
