#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What takes the lines of an index file as `IndexReader` reads it from its end: `list`'s newest rows, `stats`' totals.
protocol IndexLineSink {
    /// One whole line (without its newline), the file's last line first.
    mutating func line(_ bytes: UnsafeBufferPointer<UInt8>)
    /// A file is about to be read.
    mutating func opened(_ path: String)
    /// A file could not be read (what it holds is left out).
    mutating func unreadable(_ file: IndexReader.UnreadableFile)
    /// A line too long to be put together was skipped.
    mutating func skippedLine()
    /// Where the newlines of the chunk at hand are (kept by the sink to reuse its storage).
    var newlines: [Int] { get set }
}

extension IndexLineSink {
    /// Takes the lines of `bytes` (which end where a line ends, or where the file ends), last first; returns the first,
    /// unfinished unless `headIsWhole`.
    ///
    /// A last line without its newline is taken as any other: torn (a power cut in the middle of a write), it does
    /// not parse and is counted; whole, it is the run's line (a prefix of an object's JSON is never an object).
    mutating func take(_ bytes: [UInt8], headIsWhole: Bool) -> [UInt8] {
        bytes.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return [] }
            newlines.removeAll(keepingCapacity: true)
            var from = 0
            while from < all.count, let hit = memchr(base + from, 0x0A, all.count - from) {
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                newlines.append(at)
                from = at + 1
            }
            var lineEnd = all.count
            for index in newlines.indices.reversed() {
                let newline = newlines[index]
                line(UnsafeBufferPointer(rebasing: all[(newline + 1)..<lineEnd]))
                lineEnd = newline
            }
            guard headIsWhole else { return Array(all[0..<lineEnd]) }
            line(UnsafeBufferPointer(rebasing: all[0..<lineEnd]))
            return []
        }
    }
}
