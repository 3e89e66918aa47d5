/// A reference that names nothing: the step that holds it fails.
public struct MissingReference: Error, Equatable, Sendable, CustomStringConvertible {
    /// The reference as written.
    public var reference: String
    /// The part that was not found.
    public var missing: String
    /// Where in the step's `with` it was.
    public var path: JSONPath

    public var description: String { "\(path): \(reference) names nothing: '\(missing)' not found" }
}
