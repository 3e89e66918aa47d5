/// Reads back the files droprun writes itself: run records, results, records being taken over, checkpoint-log lines.
///
/// These are read with `maxDepth`, which covers everything admission lets
/// in: a request nests at most `JSONParser.defaultMaxDepth` levels, a step's
/// output no deeper (`StepOutputLimit`), and a record wraps an output in at
/// most `wrapping` levels. Requests dropped by others are still read with
/// the request limit.
public enum RecordReader {
    /// Levels a file droprun writes puts around a value a run carries.
    ///
    /// The deepest today is 4 (a checkpoint-log line, the record, its `steps`
    /// array, the step: `{"record": {"steps": [{"output": VALUE}]}}`); the
    /// other 4 are room for a record's shape to grow without its readers
    /// falling behind. `RecordDepthTests` checks the real files fit.
    public static let wrapping = 8

    /// The nesting depth droprun's own files are read with: the request limit plus `wrapping`.
    ///
    /// It is also the hard cap: the parser refuses anything deeper before it
    /// recurses further, so a hostile file cannot exhaust a thread's stack.
    public static let maxDepth = JSONParser.defaultMaxDepth + wrapping

    /// Parses bytes droprun wrote.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(bytes, maxDepth: maxDepth)
    }

    /// Reads and parses the JSON file at `path`.
    public static func json(at path: String, fileSystem: any FileSystem) throws(UnreadableRecord) -> JSONValue {
        let bytes: [UInt8]
        do {
            bytes = try fileSystem.readFile(path, maxBytes: 1 << 30)
        } catch {
            switch error {
            case .notFound: throw UnreadableRecord(path: path, reason: .notFound)
            case .notRegular(let type): throw UnreadableRecord(path: path, reason: .unreadable("not a regular file: \(type)"))
            case .tooLarge(let size, let limit): throw UnreadableRecord(path: path, reason: .unreadable("\(size) bytes, over \(limit)"))
            case .unreadable(let error): throw UnreadableRecord(path: path, reason: .unreadable(error.description))
            }
        }
        do {
            return try parse(bytes)
        } catch {
            throw UnreadableRecord(path: path, reason: .invalidJSON(error))
        }
    }

    /// Reads the run record at `path` (a live record, a result, or a record being taken over).
    ///
    /// - Throws: `UnreadableRecord`, whose reason is `.notFound` when there is no file.
    public static func record(at path: String, fileSystem: any FileSystem) throws(UnreadableRecord) -> RunRecord {
        try record(validating: try json(at: path, fileSystem: fileSystem), path: path)
    }

    /// Reads a run record from bytes already read from `path` (named in the error).
    public static func record(bytes: [UInt8], path: String) throws(UnreadableRecord) -> RunRecord {
        let json: JSONValue
        do {
            json = try parse(bytes)
        } catch {
            throw UnreadableRecord(path: path, reason: .invalidJSON(error))
        }
        return try record(validating: json, path: path)
    }

    static func record(validating json: JSONValue, path: String) throws(UnreadableRecord) -> RunRecord {
        do {
            return try RunRecord(validating: json)
        } catch {
            throw UnreadableRecord(path: path, reason: .notARunRecord(error.description))
        }
    }
}
