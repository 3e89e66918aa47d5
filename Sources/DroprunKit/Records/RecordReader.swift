/// A file droprun wrote (a record, a checkpoint-log line, a marker) that it cannot read back, and why.
///
/// Readers that must not skip a run in silence (the runner, `list`,
/// `status`) get this instead of nil; its description says what to do.
public struct UnreadableRecord: Error, Equatable, Sendable, CustomStringConvertible {
    /// Why the file could not be read.
    public enum Reason: Equatable, Sendable, CustomStringConvertible {
        /// The file is not there (another runner moved it, or the run finished): usually not a problem.
        case notFound
        /// The system refused to read it.
        case unreadable(String)
        /// It is not JSON, or nests deeper than `RecordReader.maxDepth`.
        case invalidJSON(JSONParseError)
        /// It is JSON but not a run record: names the first member that is missing or wrong.
        case notARunRecord(String)

        public var description: String {
            switch self {
            case .notFound: "it does not exist"
            case .unreadable(let why): "it cannot be read (\(why))"
            case .invalidJSON(let error): "it is not valid JSON (\(error))"
            case .notARunRecord(let why): "it is not a run record (\(why))"
            }
        }
    }

    /// The file, as given to the reader.
    public var path: String
    /// Why.
    public var reason: Reason
    /// What droprun does about it, and what to do.
    public var hint = UnreadableRecord.defaultHint

    /// For records: the run is left where it is.
    public static let defaultHint = "droprun leaves it alone: repair it or move it aside (the request that started the run is kept in outbox/requests/)"

    public init(path: String, reason: Reason, hint: String = UnreadableRecord.defaultHint) {
        self.path = path
        self.reason = reason
        self.hint = hint
    }

    /// True when the file does not exist (the caller may look elsewhere).
    public var isNotFound: Bool { reason == .notFound }

    /// The same problem, with the path relative to the root (as people name files there).
    public func relative(to layout: RootLayout) -> UnreadableRecord {
        UnreadableRecord(path: layout.relative(path), reason: reason, hint: hint)
    }

    public var description: String {
        "unreadable record at \(path): \(reason); \(hint)"
    }
}

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

    private static func record(validating json: JSONValue, path: String) throws(UnreadableRecord) -> RunRecord {
        do {
            return try RunRecord(validating: json)
        } catch {
            throw UnreadableRecord(path: path, reason: .notARunRecord(error.description))
        }
    }
}
