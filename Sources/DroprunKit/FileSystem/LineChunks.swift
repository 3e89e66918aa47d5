/// Reads a file's lines in chunks (`FileSystem.readRange`), carrying a line cut by a chunk's end into the next.
///
/// Memory stays at about a chunk (and the longest line) whatever the file's
/// size. The one reader of JSON-lines files read whole or searched: audit
/// segments, index day files, `outbox/purged/purged.jsonl`. Forward
/// (`forEach`), a chunk is searched where it was read; with needles, only
/// lines that contain one of them are handed over (the chunk is searched with
/// `memmem`, and a line is cut out around each hit, so a line that does not
/// match is never looked at byte by byte). Backward (`forEachReversed`), lines
/// come newest first, for the newest line about something.
struct LineChunks {
    let fileSystem: any FileSystem
    /// How much is read at a time.
    let chunkBytes: Int

    init(fileSystem: any FileSystem, chunkBytes: Int = 1 << 20) {
        self.fileSystem = fileSystem
        self.chunkBytes = max(chunkBytes, 1)
    }

    /// One line handed to a reader's body.
    struct Line {
        /// The line's bytes, without its newline (a slice of the reader's buffer: copy what you keep).
        var bytes: ArraySlice<UInt8>
        /// Where the line starts in the file.
        var offset: Int64
        /// The line's 1-based number; 0 when lines were skipped by needles (not counted).
        var number: Int
    }

    /// Hands `body` every complete line of the file at `path` in order, or, with `needles`, every line that contains
    /// one of them; `body` returns false to stop.
    ///
    /// Only a line cut by a chunk's end is copied (joined with the start of the next chunk).
    ///
    /// - Returns: the bytes after the last newline: a torn last line (0 when the file ends with a newline, or when
    ///   `body` stopped).
    @discardableResult
    func forEach(_ path: String, needles: [[UInt8]]? = nil, _ body: (Line) -> Bool) throws(ReadFileError) -> Int {
        var carry: [UInt8] = []
        var readOffset: Int64 = 0
        var number = 0
        func hand(_ bytes: ArraySlice<UInt8>, at offset: Int64) -> Bool {
            if needles == nil { number += 1 }
            return body(Line(bytes: bytes, offset: offset, number: number))
        }
        while true {
            let chunk = try fileSystem.readRange(path, offset: readOffset, count: chunkBytes)
            let chunkOffset = readOffset
            readOffset += Int64(chunk.count)
            let atEnd = chunk.count < chunkBytes
            var from = 0
            if !carry.isEmpty {
                // The line the previous chunk's end cut: its rest begins this chunk.
                guard let newline = chunk.withUnsafeBytes({ ByteSearch.nextNewline(in: $0, from: 0) }) else {
                    carry.append(contentsOf: chunk)
                    if atEnd { return carry.count }
                    continue
                }
                carry.append(contentsOf: chunk[0..<newline])
                let wanted = needles.map { !Self.matches(of: $0, in: carry, from: 0, upTo: carry.count).isEmpty } ?? true
                if wanted, !hand(carry[...], at: chunkOffset - Int64(carry.count - newline)) { return 0 }
                carry.removeAll(keepingCapacity: true)
                from = newline + 1
            }
            let complete = chunk.withUnsafeBytes { ByteSearch.lastNewline(in: $0, before: $0.count).map { $0 + 1 } } ?? 0
            if complete > from {
                var ranges: [Range<Int>] = []
                if let needles {
                    ranges = Self.matches(of: needles, in: chunk, from: from, upTo: complete)
                } else {
                    chunk.withUnsafeBytes { raw in
                        var start = from
                        while start < complete, let newline = ByteSearch.nextNewline(in: raw, from: start) {
                            ranges.append(start..<newline)
                            start = newline + 1
                        }
                    }
                }
                for range in ranges where !hand(chunk[range], at: chunkOffset + Int64(range.lowerBound)) { return 0 }
            }
            carry.append(contentsOf: chunk[max(complete, from)...])
            if atEnd { return carry.count }
        }
    }

    /// True when some line of the file holds `needle` (a file that cannot be read holds nothing).
    func contains(_ needle: [UInt8], in path: String) -> Bool {
        var found = false
        _ = try? forEach(path, needles: [needle]) { _ in
            found = true
            return false
        }
        return found
    }

    /// Hands `body` the complete lines of the first `size` bytes of the file at `path`, last first (without their
    /// newlines; a torn last line is one too); `body` returns false to stop.
    func forEachReversed(_ path: String, size: Int64, _ body: (ArraySlice<UInt8>) -> Bool) throws(ReadFileError) {
        var end = size
        var carry: [UInt8] = []
        while end > 0 {
            let start = max(0, end - Int64(chunkBytes))
            var bytes = try fileSystem.readRange(path, offset: start, count: Int(end - start))
            bytes.append(contentsOf: carry)
            // The first (partial) line of this piece is read with the piece before.
            var firstLine = bytes.startIndex
            if start > 0 {
                guard let newline = bytes.firstIndex(of: 0x0A) else {
                    carry = bytes
                    end = start
                    continue
                }
                firstLine = newline + 1
                carry = Array(bytes[..<newline])
            } else {
                carry = []
            }
            for line in bytes[firstLine...].split(separator: 0x0A).reversed() where !body(line) { return }
            end = start
        }
    }

    /// The ranges (without newlines) of the lines in `bytes[from..<end]` (whole lines) that contain one of `needles`,
    /// in order, each once.
    static func matches(of needles: [[UInt8]], in bytes: [UInt8], from: Int, upTo end: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        bytes.withUnsafeBytes { whole in
            let raw = UnsafeRawBufferPointer(rebasing: whole[from..<end])
            for needle in needles where !needle.isEmpty {
                needle.withUnsafeBytes { needle in
                    var at = 0
                    while let hit = ByteSearch.first(needle, in: raw, from: at) {
                        let start = ByteSearch.lastNewline(in: raw, before: hit).map { $0 + 1 } ?? 0
                        let stop = ByteSearch.nextNewline(in: raw, from: hit) ?? raw.count
                        ranges.append((from + start)..<(from + stop))
                        at = stop + 1
                        if at >= raw.count { break }
                    }
                }
            }
        }
        guard needles.count > 1 else { return ranges }
        var seen: Set<Int> = []
        return ranges.sorted { $0.lowerBound < $1.lowerBound }.filter { seen.insert($0.lowerBound).inserted }
    }
}
