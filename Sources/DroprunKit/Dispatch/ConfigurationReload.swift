/// How a `watch` follows `droprun.json`: the command line's values that win over it, and the reload requests (SIGHUP).
///
/// Given to `Runner.watch`, it makes the runner read the file again when it
/// changes (at housekeeping) and at each request; without it, the runner
/// keeps the configuration it was given (an embedder's, which may come from
/// no file at all).
public struct ConfigurationReload: Sendable {
    /// The command line's values: they win over the file after every reload too.
    public var overrides: ConfigurationOverrides
    /// Reload requests (SIGHUP in the real program).
    public var requests: ReloadToken

    public init(overrides: ConfigurationOverrides = ConfigurationOverrides(), requests: ReloadToken = ReloadToken()) {
        self.overrides = overrides
        self.requests = requests
    }
}
