/// What a provider may consult while validating.
public struct ValidationContext: Sendable {
    /// The root's configuration.
    public var configuration: Configuration

    public init(configuration: Configuration) { self.configuration = configuration }
}
