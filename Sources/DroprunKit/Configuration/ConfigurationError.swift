/// A configuration that cannot be used: every problem, each naming its key.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file it came from.
    public var file: String
    /// What is wrong, each with its JSON path.
    public var issues: [ValidationIssue]

    public var description: String {
        "configuration error in \(file):\n" + issues.map { "  \($0)" }.joined(separator: "\n")
    }
}
