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
    public static let defaultHint =
        "droprun leaves it alone: repair it or move it aside (the request that started the run is kept in outbox/requests/)"

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
