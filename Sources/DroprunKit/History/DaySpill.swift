/// A rebuild's lines, spilled to one hidden file per day (`outbox/index/.<writer>~<day>.spill`) as they come, so a
/// rebuild holds one day's lines at a time, not every run's (some 400 MB at a million runs).
///
/// Each day keeps a small buffer, appended to its file once it passes `bufferBytes`. The files are hidden, so no
/// reader takes them for index files; `discard` removes what is left (a killed rebuild's are removed by the next one
/// once stale).
struct DaySpill {
    static let suffix = ".spill"
    /// Bytes a day's buffer holds before it is appended to its file.
    static let bufferBytes = 64 << 10

    let folder: String
    let writer: String
    let fileSystem: any FileSystem
    private var buffers: [String: [UInt8]] = [:]
    /// The days with lines.
    private(set) var days: Set<String> = []

    init(folder: String, writer: String, fileSystem: any FileSystem) {
        self.folder = folder
        self.writer = writer
        self.fileSystem = fileSystem
    }

    /// The spill file of `day`.
    func path(_ day: String) -> String { Path.join(folder, ".\(writer)~\(day)\(Self.suffix)") }

    /// Adds one line (with its newline) to its day.
    mutating func add(_ line: [UInt8], day: String) throws(FileSystemError) {
        days.insert(day)
        buffers[day, default: []].append(contentsOf: line)
        if let buffered = buffers[day], buffered.count >= Self.bufferBytes { try flush(day) }
    }

    /// Appends every day's buffer to its file.
    mutating func flushAll() throws(FileSystemError) {
        for day in buffers.keys.sorted() { try flush(day) }
    }

    private mutating func flush(_ day: String) throws(FileSystemError) {
        guard let bytes = buffers[day], !bytes.isEmpty else { return }
        let file = try fileSystem.openForAppending(path(day))
        defer { file.close() }
        try file.append(bytes)
        buffers[day] = []
    }

    /// One day's spilled lines.
    func read(_ day: String) throws(FileSystemError) -> [UInt8] {
        do {
            return try fileSystem.readFile(path(day), maxBytes: 1 << 36)
        } catch {
            if case .unreadable(let failure) = error { throw failure }
            return []
        }
    }

    /// Removes one day's spill file.
    func remove(_ day: String) { try? fileSystem.remove(path(day)) }

    /// Removes every spill file left.
    func discard() {
        for day in days { remove(day) }
    }
}
