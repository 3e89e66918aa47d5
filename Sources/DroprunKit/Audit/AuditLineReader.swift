/// Reads an audit segment's lines in chunks, by the shared chunked line reader (`LineChunks`): memory stays at about
/// a chunk whatever the file's size; with needles, only lines that contain one of them are handed over.
struct AuditLineReader {
    let fileSystem: any FileSystem
    /// How much is read at a time.
    var chunkBytes = 1 << 20

    init(fileSystem: any FileSystem, chunkBytes: Int = 1 << 20) {
        self.fileSystem = fileSystem
        self.chunkBytes = max(chunkBytes, 1)
    }

    /// One line handed to a reader's body.
    typealias Line = LineChunks.Line

    /// Hands `body` every complete line of the file at `path` in order, or, with `needles`, every line that contains
    /// one of them; `body` returns false to stop (`LineChunks.forEach`).
    ///
    /// - Returns: the bytes after the last newline: a torn last line (0 when the file ends with a newline).
    @discardableResult
    func read(_ path: String, needles: [[UInt8]]? = nil, _ body: (Line) -> Bool) throws(ReadFileError) -> Int {
        try LineChunks(fileSystem: fileSystem, chunkBytes: chunkBytes).forEach(path, needles: needles, body)
    }

    /// The file's first line (without its newline), read from its first `limit` bytes; nil when none ends there.
    func firstLine(_ path: String, limit: Int = 64 << 10) throws(ReadFileError) -> [UInt8]? {
        let head = try fileSystem.readRange(path, offset: 0, count: limit)
        guard let newline = head.firstIndex(of: 0x0A) else { return nil }
        return Array(head[..<newline])
    }

    /// The file's last complete line (without its newline; a torn tail is passed over), read from its last `limit`
    /// bytes; nil when none is there.
    func lastLine(_ path: String, size: Int64, limit: Int = 64 << 10) throws(ReadFileError) -> [UInt8]? {
        let start = max(0, size - Int64(limit))
        let tail = try fileSystem.readRange(path, offset: start, count: Int(size - start))
        guard let end = tail.lastIndex(of: 0x0A) else { return nil }
        let begin = tail[..<end].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        // A line that began before the bytes read is not whole.
        guard begin > 0 || start == 0 else { return nil }
        return Array(tail[begin..<end])
    }
}
