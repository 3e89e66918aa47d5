/// Why a dropped file is refused: the reason and every problem found.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// One word from the closed set.
    public var reason: RejectionReason
    /// What is wrong, each naming its JSON path where there is one.
    public var issues: [ValidationIssue]

    public init(_ reason: RejectionReason, _ issues: [ValidationIssue]) {
        self.reason = reason
        self.issues = issues
    }

    public init(_ reason: RejectionReason, _ message: String, path: JSONPath? = nil) {
        self.init(reason, [ValidationIssue(path, message)])
    }

    public var description: String {
        "\(reason.rawValue): " + issues.map(\.description).joined(separator: "; ")
    }
}
