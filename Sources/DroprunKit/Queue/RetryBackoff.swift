import Foundation

/// Names (or claimed files) whose take failed, tried again after a backoff that doubles with each failure.
///
/// A failed take (the rename refused, a disk error while admitting) is not
/// final: the cause may pass, or a corrected file may be dropped under the
/// same name. The first retry comes after `baseMs`, then 2, 4, ... times
/// that, at most `maxMs`. `forget` (a success, or new events about the
/// name: a new file) clears it.
struct RetryBackoff {
    /// The first wait.
    var baseMs = 500
    /// The longest wait.
    var maxMs = 60_000

    private var entries: [String: (failures: Int, due: Date)] = [:]

    /// True when nothing waits.
    var isEmpty: Bool { entries.isEmpty }

    /// Records a failure of `key` at `now`; returns the milliseconds until it is due again.
    @discardableResult
    mutating func failed(_ key: String, now: Date) -> Int {
        let failures = (entries[key]?.failures ?? 0) + 1
        let wait = min(maxMs, baseMs << min(failures - 1, 20))
        entries[key] = (failures, now.addingTimeInterval(Double(wait) / 1000))
        return wait
    }

    /// True when `key` may be tried now (it never failed, or its wait is over).
    func isDue(_ key: String, now: Date) -> Bool {
        guard let entry = entries[key] else { return true }
        return entry.due <= now
    }

    /// How many times `key` failed in a row.
    func failures(_ key: String) -> Int { entries[key]?.failures ?? 0 }

    /// Clears `key`: it succeeded, or it is a new file.
    mutating func forget(_ key: String) { entries[key] = nil }

    /// Keeps only the given keys (the names of the latest listing).
    mutating func prune(keeping keys: Set<String>) { entries = entries.filter { keys.contains($0.key) } }

    /// Milliseconds until the soonest key is due; nil when none waits.
    func nextDueMs(now: Date) -> Int? {
        guard let soonest = entries.values.map(\.due).min() else { return nil }
        return max(1, Int((soonest.timeIntervalSince(now) * 1000).rounded(.up)))
    }
}
