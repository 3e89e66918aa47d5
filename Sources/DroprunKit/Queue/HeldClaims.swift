import Foundation

/// Claimed files that did not parse (or were empty) while they may still be being written: looked at again, not rejected.
///
/// A file whose arrival does not show it is whole (see `ArrivalTracker`) and
/// that is empty or not JSON is held in the claim folder (a writer that still
/// has it open goes on writing into it there) while it is young: modified
/// less than `graceMs` ago by the runner's clock, or changed since this runner
/// last looked. It is looked at again every `lookEveryMs`: once it has
/// changed it is read again; once it has been unchanged for `graceMs`, it is
/// rejected as it is. A half-written JSON object never parses (its closing
/// brace comes last), so a file that parses is taken at once.
struct HeldClaims {
    /// How long a file that does not parse must be unchanged before it is rejected.
    static let graceMs = 5_000
    /// How often a held file is looked at.
    static let lookEveryMs = 100

    private struct Entry {
        var claimed: ClaimedFile
        var size: Int64
        var modified: Date
        var since: Date
    }

    private var held: [String: Entry] = [:]

    /// True when nothing is held.
    var isEmpty: Bool { held.isEmpty }
    /// How many files are held.
    var count: Int { held.count }

    /// Holds `claimed` (which did not parse) when it may still be written; false when it must be rejected now.
    ///
    /// - Parameters:
    ///   - info: what `lstat` says of the claimed file now (nil: it is gone).
    mutating func hold(_ claimed: ClaimedFile, info: FileInfo?, now: Date) -> Bool {
        guard let info else { return false }
        let old = held[claimed.path]
        let unchanged = old.map { $0.size == info.size && $0.modified == info.modified } ?? false
        let since = unchanged ? old?.since ?? now : now
        let young = now.timeIntervalSince(info.modified) * 1000 < Double(Self.graceMs)
        guard young || old != nil, now.milliseconds(since: since) < Self.graceMs else {
            held[claimed.path] = nil
            return false
        }
        held[claimed.path] = Entry(claimed: claimed, size: info.size, modified: info.modified, since: since)
        return true
    }

    /// The held files to read again now, each with whether it is final (unchanged for `graceMs`: rejected if it still does not parse).
    ///
    /// Each is no longer held: a file that changed is handed back with
    /// `final` false (it is held again if it still does not parse); one that
    /// disappeared is forgotten.
    mutating func due(now: Date, info: (String) -> FileInfo?) -> [(claimed: ClaimedFile, final: Bool)] {
        var due: [(ClaimedFile, Bool)] = []
        for (path, entry) in held {
            guard let current = info(path) else {
                held[path] = nil
                continue
            }
            if current.size != entry.size || current.modified != entry.modified {
                held[path] = nil
                due.append((entry.claimed, false))
            } else if now.milliseconds(since: entry.since) >= Self.graceMs {
                held[path] = nil
                due.append((entry.claimed, true))
            }
        }
        return due.sorted { $0.0.claimedAt < $1.0.claimedAt }
    }

    /// Milliseconds until the next look, nil when nothing is held.
    func nextLookMs(now: Date) -> Int? {
        guard !held.isEmpty else { return nil }
        let toGrace = held.values.map { Self.graceMs - now.milliseconds(since: $0.since) }.min() ?? Self.lookEveryMs
        return max(1, min(Self.lookEveryMs, toGrace))
    }
}
