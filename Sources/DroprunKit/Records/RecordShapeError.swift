/// Why a JSON value is not a run record: the first required member that is missing or wrong.
public struct RecordShapeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The member.
    public var path: JSONPath
    /// What it should be.
    public var expected: String

    public var description: String { "\(path) should be \(expected)" }
}
