/// One break in an audit chain, named by file and line.
public struct AuditProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file, relative to the root.
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// What is wrong.
    public var message: String

    public var description: String { "\(file):\(line): \(message)" }
}
