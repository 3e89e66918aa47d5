/// The `health` block of `droprun.json`: the thresholds `droprun health` judges a root by.
public struct HealthSettings: Sendable, Equatable {
    /// The oldest drop waiting in `inbox/` may be at most this old.
    public var maxQueueAgeSeconds = 900
    /// A live runner that has claimed and finished nothing for this long while the inbox has work is stalled.
    public var stallSeconds = 300
    /// A run may wait at an approval step at most this long, expiry or not; nil: as long as its step allows.
    public var maxApprovalWaitSeconds: Int?
    /// False for a root served by `run --once` from cron or a timer, where no runner lives between passes.
    public var requireRunner = true

    public init() {}

    /// The range every threshold is read in: a second to a year.
    static let seconds = 1...31_536_000

    /// Reads the block at `path` (`health`); issues go to `reader` (the top-level object's, whose `leaseSeconds` it checks against).
    static func read(_ json: JSONValue, at path: JSONPath, into settings: inout HealthSettings, reporting reader: inout JSONObjectReader) {
        var h = JSONObjectReader(json, at: path)
        if let v = h.int("maxQueueAgeSeconds", in: seconds) { settings.maxQueueAgeSeconds = v }
        if let v = h.int("stallSeconds", in: seconds) {
            // The heartbeat says what a runner did only every leaseSeconds / 3: a shorter stall would be seen where there is none.
            let lease = reader.members["leaseSeconds"]?.intValue ?? Configuration().leaseSeconds
            if v < lease {
                h.report(
                    ValidationIssue(
                        path.key("stallSeconds"),
                        "expected at least leaseSeconds (\(lease)), found \(v): a runner's heartbeat says what it did only every leaseSeconds / 3, so a shorter stall would be reported where there is none; raise health.stallSeconds or lower leaseSeconds"
                    ))
            } else {
                settings.stallSeconds = v
            }
        }
        if let v = h.value("maxApprovalWaitSeconds") {
            if v == .null {
                settings.maxApprovalWaitSeconds = nil
            } else if let n = v.intValue, seconds.contains(n) {
                settings.maxApprovalWaitSeconds = n
            } else {
                h.report(
                    ValidationIssue(
                        path.key("maxApprovalWaitSeconds"),
                        "expected a whole number of seconds from \(seconds.lowerBound) to \(seconds.upperBound), or null for no limit, found \(v.intValue.map(String.init) ?? "\(v.typeName) \(v.preview)")"
                    ))
            }
        }
        if let v = h.bool("requireRunner") { settings.requireRunner = v }
        h.finish()
        reader.report(h.issues)
    }
}
