/// The settings given on `watch`'s or `run`'s command line: they win over `droprun.json`, at start and at every reload.
public struct ConfigurationOverrides: Sendable, Equatable {
    /// `--concurrency`.
    public var concurrency: Int?
    /// `--settle-ms`.
    public var settleMs: Int?
    /// `--max-request-bytes`.
    public var maxRequestBytes: Int?
    /// `--durability`.
    public var durability: Durability?
    /// `--poll-interval-ms` (`watch`).
    public var pollIntervalMs: Int?

    public init(
        concurrency: Int? = nil, settleMs: Int? = nil, maxRequestBytes: Int? = nil, durability: Durability? = nil, pollIntervalMs: Int? = nil
    ) {
        self.concurrency = concurrency
        self.settleMs = settleMs
        self.maxRequestBytes = maxRequestBytes
        self.durability = durability
        self.pollIntervalMs = pollIntervalMs
    }

    /// `configuration` with every value given here in place of the file's.
    public func applied(to configuration: Configuration) -> Configuration {
        var config = configuration
        if let concurrency { config.concurrency = concurrency }
        if let settleMs { config.settleMs = settleMs }
        if let maxRequestBytes { config.maxRequestBytes = maxRequestBytes }
        if let durability { config.durability = durability }
        if let pollIntervalMs { config.pollIntervalMs = pollIntervalMs }
        return config
    }

    /// The keys (as in `droprun.json`) set here, each with its flag and value as given: `concurrency` -> `--concurrency 2`.
    var given: [(key: String, flag: String)] {
        var given: [(key: String, flag: String)] = []
        if let concurrency { given.append(("concurrency", "--concurrency \(concurrency)")) }
        if let settleMs { given.append(("settleMs", "--settle-ms \(settleMs)")) }
        if let maxRequestBytes { given.append(("maxRequestBytes", "--max-request-bytes \(maxRequestBytes)")) }
        if let durability { given.append(("durability", "--durability \(durability.rawValue)")) }
        if let pollIntervalMs { given.append(("pollIntervalMs", "--poll-interval-ms \(pollIntervalMs)")) }
        return given
    }
}
