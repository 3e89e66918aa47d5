/// Why a finished run is held by a runner now, so `gc` must leave it alone (`RunLocator.holder(ofFinished:holds:)`).
public enum RunHold: Sendable, Equatable, CustomStringConvertible {
    /// Its live record is still in `outbox/running/`.
    case liveRecord(runId: String)
    /// A runner's claim folder names it.
    case claim(runner: String)
    /// A runner's claim is its kept request (the same inode).
    case claimIsKeptRequest(runner: String)
    /// A runner is taking it over (its record is in that runner's claim folder).
    case takeover

    /// A short name for scripts (`gc --json`'s `code`).
    public var code: String {
        switch self {
        case .liveRecord: "live_record"
        case .claim: "claimed"
        case .claimIsKeptRequest: "claimed_request"
        case .takeover: "taken_over"
        }
    }

    public var description: String {
        switch self {
        case .liveRecord(let runId):
            "it still has a live record (outbox/running/\(runId).json): its runner is finishing it, or recovery will; the next gc takes it"
        case .claim(let runner): "runner \(runner) holds a claim of it (outbox/claimed/\(runner)/); the next gc takes it"
        case .claimIsKeptRequest(let runner):
            "runner \(runner) holds a claim that is its kept request (outbox/claimed/\(runner)/); the next gc takes it"
        case .takeover: "a runner is taking it over"
        }
    }
}
