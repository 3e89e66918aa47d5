import Foundation
import Synchronization

/// The purged run ids of a root in memory, for the `duplicate` check at admission: O(log n), one `stat` to stay fresh.
///
/// Holds a 64-bit hash of every id in `outbox/purged/purged.jsonl`, sorted,
/// plus a small unsorted tail of the ids appended since. `refresh` asks one
/// `stat`: a new inode (the file was rewritten by `PurgeRecord.compact`) reloads
/// it whole; a larger size reads only the appended bytes (whole lines). A hash
/// hit is confirmed by finding the exact line in the file (the rare path), so a
/// collision never refuses a run.
public final class PurgedIDs: Sendable {
    private struct State {
        var sorted: [UInt64] = []
        var tail: [UInt64] = []
        var inode: UInt64?
        /// Bytes of the file read so far (up to the end of its last whole line).
        var offset: Int64 = 0
    }

    /// The tail is merged into the sorted hashes once it holds this many.
    static let tailLimit = 512

    private let layout: RootLayout
    private let fileSystem: any FileSystem
    private let state = Mutex(State())

    public init(layout: RootLayout, fileSystem: any FileSystem) {
        self.layout = layout
        self.fileSystem = fileSystem
    }

    /// How many ids are held (a run purged twice counts twice).
    public var count: Int { state.withLock { $0.sorted.count + $0.tail.count } }

    /// FNV-1a of the id's bytes.
    static func hash(_ runId: some StringProtocol) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in runId.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0100_0000_01b3
        }
        return h
    }

    /// Brings the hashes up to date with the file: one `stat`, and a read only when it changed.
    public func refresh() {
        let path = PurgeRecord.path(layout)
        let info = try? fileSystem.info(path)
        state.withLock { state in
            guard let info, info.type == .regular else {
                state = State()
                return
            }
            if state.inode != info.inode || info.size < state.offset { state = State(inode: info.inode) }
            guard info.size > state.offset else { return }
            guard let bytes = try? fileSystem.readRange(path, offset: state.offset, count: Int(info.size - state.offset)),
                let lastNewline = bytes.lastIndex(of: 0x0A)
            else { return }
            let whole = bytes[...lastNewline]
            var added: [UInt64] = []
            for line in whole.split(separator: 0x0A) {
                if let runId = PurgeRecord.runId(inLine: line) { added.append(Self.hash(runId)) }
            }
            state.offset += Int64(whole.count)
            if state.sorted.isEmpty || added.count > Self.tailLimit {
                state.sorted.append(contentsOf: state.tail)
                state.sorted.append(contentsOf: added)
                state.sorted.sort()
                state.tail = []
            } else {
                state.tail.append(contentsOf: added)
                if state.tail.count > Self.tailLimit {
                    state.sorted.append(contentsOf: state.tail)
                    state.sorted.sort()
                    state.tail = []
                }
            }
        }
    }

    /// True when the hashes hold one for `runId` (it may be a collision: `lookup` confirms).
    func mayHold(_ runId: String) -> Bool {
        let h = Self.hash(runId)
        return state.withLock { state in
            var low = 0
            var high = state.sorted.count
            while low < high {
                let mid = (low + high) / 2
                if state.sorted[mid] < h { low = mid + 1 } else { high = mid }
            }
            return low < state.sorted.count && state.sorted[low] == h || state.tail.contains(h)
        }
    }

    /// The purge record of `runId`, if the run was purged: refreshed first (one `stat`), then a binary search; the
    /// file is read only on a hash hit, to confirm it and return the record.
    public func lookup(_ runId: String) -> PurgeRecord? {
        refresh()
        guard mayHold(runId) else { return nil }
        return PurgeRecord.find(runId, layout: layout, fileSystem: fileSystem)
    }
}
