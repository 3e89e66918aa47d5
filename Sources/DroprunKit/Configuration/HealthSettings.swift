/// The `health` block of `droprun.json`: the thresholds `droprun health` judges a root by.
public struct HealthSettings: Sendable, Equatable {
    /// The oldest drop waiting in `inbox/` may be at most this old.
    public var maxQueueAgeSeconds = 900
    /// A live runner that has claimed and finished nothing for this long while the inbox has work is stalled.
    public var stallSeconds = 300

    public init() {}

    /// Reads the block at `path` (`health`); issues go to `reader`.
    static func read(_ json: JSONValue, at path: JSONPath, into settings: inout HealthSettings, reporting reader: inout JSONObjectReader) {
        var h = JSONObjectReader(json, at: path)
        if let v = h.int("maxQueueAgeSeconds", in: 1...31_536_000) { settings.maxQueueAgeSeconds = v }
        if let v = h.int("stallSeconds", in: 1...31_536_000) { settings.stallSeconds = v }
        h.finish()
        reader.report(h.issues)
    }
}
