import Foundation

/// How far a `run --once` pass has come: what its progress line on a terminal says.
///
/// `done` counts each dropped file once, when it first reached an end for
/// this pass (finished, rejected, applied, or waiting for an approval); a run
/// that waited and then finished in the same pass is not counted twice.
/// `total` is the drops counted in the inbox at the start; runs taken over or
/// resumed come on top, so once `done` passes it, `total` follows `done` (and
/// the ETA is no longer known).
public struct ProgressLine: Sendable, Equatable {
    /// Drops counted at the start.
    public var total: Int
    /// Files that reached an end.
    public private(set) var done = 0
    /// Runs that failed (or were cancelled) so far.
    public private(set) var failed = 0
    /// Files rejected so far.
    public private(set) var rejected = 0
    /// When the pass started.
    public var startedAt: Date
    /// Runs seen waiting, not counted again when they finish.
    private var waited: Set<String> = []

    public init(total: Int, startedAt: Date) {
        self.total = total
        self.startedAt = startedAt
    }

    /// Counts what became of one file.
    public mutating func note(_ outcome: RunOutcome) {
        switch outcome.kind {
        case .finished(let status):
            if status == .failed || status == .cancelled { failed += 1 }
            if let runId = outcome.runId, waited.remove(runId) != nil { return }
            done += 1
        case .waiting:
            if let runId = outcome.runId, !waited.insert(runId).inserted { return }
            done += 1
        case .rejected:
            rejected += 1
            done += 1
        case .control:
            done += 1
        case .deferred:
            break
        }
    }

    /// Runs per second since the start; nil before any time has passed.
    public func rate(at now: Date) -> Double? {
        let seconds = now.timeIntervalSince(startedAt)
        guard seconds > 0 else { return nil }
        return Double(done) / seconds
    }

    /// Seconds left at the current rate; nil when not known (nothing done yet, or more done than counted).
    public func secondsLeft(at now: Date) -> Double? {
        guard done < total, let rate = rate(at: now), rate > 0 else { return nil }
        return Double(total - done) / rate
    }

    /// The line: `droprun: 120 of 1000 done, 35.2 runs/s, ETA 25s, 3 failed`.
    public func text(at now: Date) -> String {
        var text = "droprun: \(done) of \(max(total, done)) done"
        text += ", " + (rate(at: now).map { Self.rateText($0) } ?? "-") + " runs/s"
        text += ", ETA " + (secondsLeft(at: now).map { Self.etaText($0) } ?? "-")
        text += ", \(failed) failed"
        if rejected > 0 { text += ", \(rejected) rejected" }
        return text
    }

    /// One decimal under a hundred, whole numbers above.
    static func rateText(_ rate: Double) -> String {
        rate < 100 ? String(format: "%.1f", rate) : String(Int(rate.rounded()))
    }

    /// `42s`, `3m05s`, `2h07m`.
    static func etaText(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + String(format: "%02d", s % 60) + "s" }
        return "\(s / 3600)h" + String(format: "%02d", (s % 3600) / 60) + "m"
    }
}
