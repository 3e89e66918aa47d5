import Foundation

/// Decides when an inbox file may be taken, from how it arrived (inotify) or, without events, from observation.
///
/// - Renamed in (`IN_MOVED_TO`): complete at once, taken without delay.
/// - Created and never written (`IN_CREATE` alone): a hard link of a whole
///   file (`droprun submit`, `approve`, `cancel` and `ln` drop so), or a
///   folder, symbolic link or FIFO: taken once nothing came about it for
///   `quietMs` (a writer that opened it would have written meanwhile, or its
///   file is empty and left alone as below); not known to be complete, so a
///   file that then does not parse is held rather than rejected.
/// - Written in place (`IN_MODIFY`): taken only after its
///   writer closed it (`IN_CLOSE_WRITE`) and nothing changed it for
///   `quietMs` (`settleMs`, at least `closeQuietMs`), so that tools which set
///   times or modes by path right after closing (`tar -x`, `unzip`,
///   `rsync --inplace`, `cp -p`) are done with it. Taken then, it is complete.
/// - Nothing known (polling, files that were there before the runner looked,
///   events lost to an overflow, `run --once`): taken once its size and
///   modification time have been unchanged for `settleMs` (at once when 0),
///   but not known to be complete: a file that then does not parse is held
///   and looked at again rather than rejected (see `HeldClaims`).
/// - Empty and young (modified less than `emptyGraceMs` ago, or, when its
///   time cannot tell, seen empty for less than that), unless renamed in:
///   left in the inbox. It may be a placeholder that a writer fills later,
///   through the open file or by opening the name again (a claimed file
///   would be out of that writer's reach).
///
/// Every operation is O(1) per name; `prune` drops names no longer listed.
struct ArrivalTracker {
    /// The least quiet time after a writer closes a file written in place.
    static let closeQuietMs = 100

    /// What the tracker decided about one file.
    enum Decision: Equatable {
        /// Take it; `complete` when its arrival shows it is whole (a file that does not parse is then rejected at once).
        case take(complete: Bool)
        /// Not yet: look again in this many milliseconds, or (nil) when the next event about it comes.
        case wait(Int?)
    }

    private enum Arrival {
        case renamed
        case created(Date)
        case writing
        case closed(Date)
    }

    var settleMs: Int
    private var arrivals: [String: Arrival] = [:]
    private var seen: [String: (size: Int64, modified: Date, since: Date)] = [:]

    init(settleMs: Int) { self.settleMs = settleMs }

    /// How long a file written in place must be left alone after its writer closed it.
    var quietMs: Int { max(settleMs, Self.closeQuietMs) }

    /// Names the tracker holds something about (for tests and bounds).
    var count: Int { arrivals.count + seen.count }

    /// Takes in one inotify event.
    mutating func note(_ event: InboxEvent, now: Date) {
        switch (event.kind, arrivals[event.name]) {
        case (.renamedIn, _):
            arrivals[event.name] = .renamed
        case (.created, _):
            arrivals[event.name] = .created(now)
        case (.written, _):
            arrivals[event.name] = .writing
        case (.closed, .renamed):
            break
        case (.closed, _):
            arrivals[event.name] = .closed(now)
        case (.attributes, .closed):
            arrivals[event.name] = .closed(now)
        case (.attributes, _):
            break
        }
    }

    /// Forgets what events said (they were lost): every file is judged by observation until new events come.
    mutating func forgetEvents() { arrivals.removeAll() }

    /// Forgets a name (it was taken).
    mutating func forget(_ name: String) {
        arrivals[name] = nil
        seen[name] = nil
    }

    /// Keeps only names of the latest listing.
    mutating func prune(keeping names: Set<String>) {
        arrivals = arrivals.filter { names.contains($0.key) }
        seen = seen.filter { names.contains($0.key) }
    }

    /// Records what a listing showed of a file (needed only for `settleMs`, and for empty files).
    mutating func observe(_ candidate: InboxCandidate, now: Date) {
        guard settleMs > 0 || candidate.info.size == 0 else {
            seen[candidate.name] = nil
            return
        }
        if let old = seen[candidate.name], old.size == candidate.info.size, old.modified == candidate.info.modified { return }
        seen[candidate.name] = (candidate.info.size, candidate.info.modified, now)
    }

    /// How long an empty file is left in the inbox before it is taken (and rejected).
    static let emptyGraceMs = HeldClaims.graceMs

    /// Whether `candidate` may be taken now.
    func decision(_ candidate: InboxCandidate, now: Date) -> Decision {
        if candidate.info.size == 0, candidate.info.type == .regular, let left = emptyWaitMs(candidate, now: now) {
            if case .renamed? = arrivals[candidate.name] {} else { return .wait(left) }
        }
        switch arrivals[candidate.name] {
        case .renamed?:
            return .take(complete: true)
        case .created(let at)?:
            let left = quietMs - now.milliseconds(since: at)
            return left <= 0 ? .take(complete: candidate.info.type != .regular) : .wait(left)
        case .writing?:
            return .wait(nil)
        case .closed(let at)?:
            let left = quietMs - now.milliseconds(since: at)
            return left <= 0 ? .take(complete: true) : .wait(left)
        case nil:
            return observed(candidate, now: now)
        }
    }

    /// Milliseconds an empty file is still left alone; nil when it has been empty long enough.
    private func emptyWaitMs(_ candidate: InboxCandidate, now: Date) -> Int? {
        let age = Int((now.timeIntervalSince(candidate.info.modified) * 1000).rounded(.down))
        let left: Int
        if age >= 0 {
            left = Self.emptyGraceMs - age
        } else {
            // Stamped in the future (a writer's clock ahead): judged by how long this runner has seen it empty.
            let since = seen[candidate.name].flatMap { $0.size == 0 ? $0.since : nil } ?? now
            left = Self.emptyGraceMs - now.milliseconds(since: since)
        }
        return left > 0 ? left : nil
    }

    /// `settleMs` by observation: unchanged for that long since this runner first saw it so, or modified that long ago.
    ///
    /// Judged from this runner's own observations, so a file stamped in the
    /// future by a writer whose clock is ahead is not held back.
    private func observed(_ candidate: InboxCandidate, now: Date) -> Decision {
        guard settleMs > 0 else { return .take(complete: false) }
        if now.timeIntervalSince(candidate.info.modified) * 1000 >= Double(settleMs) { return .take(complete: false) }
        guard let entry = seen[candidate.name] else { return .wait(settleMs) }
        let sinceSeen = now.milliseconds(since: entry.since)
        if sinceSeen >= settleMs { return .take(complete: false) }
        var wait = settleMs - sinceSeen
        if candidate.info.modified <= now { wait = min(wait, settleMs - now.milliseconds(since: candidate.info.modified)) }
        return .wait(max(1, wait))
    }
}
