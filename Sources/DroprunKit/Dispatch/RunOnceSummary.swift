/// Counts of what `run --once` did, and its first outcomes.
///
/// Only the first `keptOutcomes` outcomes are kept (the counts cover all),
/// so draining a burst of any size takes bounded memory.
public struct RunOnceSummary: Sendable, Equatable {
    /// How many outcomes are kept in `outcomes`.
    public static let keptOutcomes = 1_000
    /// The first outcomes, in the order they happened.
    public private(set) var outcomes: [RunOutcome] = []
    /// How many outcomes of each kind there were.
    public private(set) var counts: [RunOutcome.Kind: Int] = [:]
    /// The gc pass made at the end (`retention`), if one was.
    public var gc: GCReport?
    /// True when a stop (SIGTERM, SIGINT, SIGHUP) ended the pass before nothing was left to do.
    public var stopped = false

    public init() {}

    /// Adds outcomes.
    public mutating func append(contentsOf more: [RunOutcome]) {
        for outcome in more { append(outcome) }
    }

    /// Adds one outcome.
    public mutating func append(_ outcome: RunOutcome) {
        counts[outcome.kind, default: 0] += 1
        if outcomes.count < Self.keptOutcomes { outcomes.append(outcome) }
    }

    /// Runs that ended with `status`.
    public func count(_ status: RunStatus) -> Int { counts[.finished(status)] ?? 0 }

    /// Files refused.
    public var rejected: Int {
        counts.filter { if case .rejected = $0.key { true } else { false } }.values.reduce(0, +)
    }

    /// True when nothing failed, was cancelled, was refused or was left for a later try, and no stop cut the pass short.
    public var allSucceeded: Bool {
        !stopped && rejected == 0 && count(.failed) == 0 && count(.cancelled) == 0 && deferred == 0
    }

    /// Files that could not be admitted for now (left claimed, for a later try).
    public var deferred: Int {
        counts[.deferred] ?? 0
    }
}
