/// A header an endpoint sends with every request, its value read from an environment variable when the request is sent.
///
/// Written in `droprun.json` as `{"env": "CRM_TOKEN", "prefix": "Bearer "}`: the value is `prefix` followed by the
/// variable's value. The value is never written to a record, a log, the audit or an error message.
public struct SecretHeader: Sendable, Equatable {
    /// The environment variable holding the value.
    public var env: String
    /// Text put before the variable's value (`Bearer `); empty for none.
    public var prefix: String

    public init(env: String, prefix: String = "") {
        self.env = env
        self.prefix = prefix
    }
}
