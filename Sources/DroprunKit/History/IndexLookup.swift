/// Finds whether the index already holds a line about a run (recovery's rare question before it repairs one).
enum IndexLookup {
    /// Bytes read at a time: a day file can hold tens of megabytes.
    static let pieceBytes = 1 << 20

    /// True when a file of `day` (any writer's) holds a line about `runId`.
    ///
    /// Lines are canonical compact JSON, so the bytes `"runId":"<id>"` (the
    /// closing quote makes the id exact) are looked for without parsing. A
    /// file that cannot be read counts as not holding it: a line written
    /// twice is harmless (readers keep one per run), a missing one is not.
    static func contains(runId: String, day: String, layout: RootLayout, fileSystem: any FileSystem) -> Bool {
        var needle = Array(#""runId":"#.utf8)
        JSONWriter.appendString(runId, to: &needle)
        let files = (try? IndexFiles.list(layout: layout, fileSystem: fileSystem)) ?? []
        return files.contains { $0.day == day && contains(needle, in: $0.path, fileSystem: fileSystem) }
    }

    /// True when the file at `path` holds `needle`, read in chunks of `pieceBytes` (`LineChunks`).
    static func contains(_ needle: [UInt8], in path: String, fileSystem: any FileSystem) -> Bool {
        LineChunks(fileSystem: fileSystem, chunkBytes: pieceBytes).contains(needle, in: path)
    }
}
