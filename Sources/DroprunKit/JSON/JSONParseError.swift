/// Why a byte sequence is not the JSON droprun accepts.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was wrong.
    public var message: String
    /// 1-based line of the problem.
    public var line: Int
    /// 1-based column (in bytes) of the problem.
    public var column: Int
    /// True when the document nests deeper than the parser allows.
    public var tooDeep: Bool

    public var description: String { "\(message) at line \(line), column \(column)" }
}
