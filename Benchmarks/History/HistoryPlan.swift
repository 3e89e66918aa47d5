import DroprunKit
import Foundation

/// Which runs the generated history holds: for run `i` (oldest first), its id, times, kind, tenant and writer.
///
/// A pure function of the run's number and a seed, so the section can pick
/// runs and know what commands should print for them without keeping a
/// million of anything. The newest `runs - expired` runs are spread over the
/// 29 days before now (ending two minutes ago); the `expired` oldest over
/// days 34 to 31 before now, so `gc --older-than 30d` finds exactly those,
/// with a day's margin on both sides. Runs alternate between two runners
/// (`writer` 0 and 1, "node1" and "node2"), each restarted every 7 days (a
/// new audit chain and index writer each time).
struct HistoryPlan: Sendable {
    static let dayMs: Int64 = 86_400_000
    static let restartMs: Int64 = 7 * dayMs
    static let writers = 2

    let runs: Int
    let expired: Int
    let nowMs: Int64
    let seed: UInt64
    let kinds: [RunKind]
    private let cumulative: [Int]
    private let tenantCumulative: [Int]

    init(runs: Int, expired: Int, now: Date, seed: UInt64 = 0x5EED_0013, kinds: [RunKind] = HistoryCatalog.kinds) {
        self.runs = runs
        self.expired = min(expired, runs)
        nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded())
        self.seed = seed
        self.kinds = kinds
        var sum = 0
        cumulative = kinds.map {
            sum += $0.weight
            return sum
        }
        sum = 0
        tenantCumulative = HistoryCatalog.tenants.map {
            sum += $0.weight
            return sum
        }
    }

    /// The oldest time any run or chain of the history has.
    var earliestMs: Int64 { nowMs - 35 * Self.dayMs }

    /// When run `i` was created; increasing with `i` (neighbours are at least 0.4 of the spacing apart).
    func createdMs(_ i: Int) -> Int64 {
        let (start, span, k, count): (Int64, Int64, Int, Int) =
            i < expired
            ? (nowMs - 34 * Self.dayMs, 3 * Self.dayMs, i, expired)
            : (nowMs - 29 * Self.dayMs, 29 * Self.dayMs - 120_000, i - expired, runs - expired)
        let spacing = Double(span) / Double(max(1, count))
        let jitter = Double(Self.mix(UInt64(i) ^ seed ^ 0xA5A5) % 600) / 1000 - 0.3
        return start + Int64((Double(k) + 0.5 + jitter) * spacing)
    }

    /// The run's id: `run-` and 16 hex digits, a bijection of its number (so unique, and not in time order).
    func id(_ i: Int) -> String {
        let hex = String(Self.mix(UInt64(i) ^ seed), radix: 16)
        return "run-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    static let idLength = 20

    private func draw(_ i: Int) -> UInt64 { Self.mix(UInt64(i) &* 0x9E37_79B9 ^ seed ^ 0x1234_5678_9ABC) }

    /// The run's kind (an index into `kinds`).
    func kind(_ i: Int) -> Int {
        let r = Int(draw(i) % UInt64(cumulative.last ?? 1))
        return cumulative.firstIndex { r < $0 } ?? 0
    }

    /// The run's timing variant (an index into `HistoryCatalog.scales`).
    func variant(_ i: Int) -> Int { Int((draw(i) >> 24) % UInt64(HistoryCatalog.scales.count)) }

    /// The run's tenant label (an index into `HistoryCatalog.tenants`).
    func tenant(_ i: Int) -> Int {
        let r = Int((draw(i) >> 40) % UInt64(tenantCumulative.last ?? 1))
        return tenantCumulative.firstIndex { r < $0 } ?? 0
    }

    func writer(_ i: Int) -> Int { i % Self.writers }

    /// One runner process: the writer's incarnation `epoch` (a restart every 7 days, the two writers half a period apart).
    struct Incarnation: Sendable, Equatable {
        var writer: Int
        var epoch: Int64
        var startedMs: Int64
        var host: String
        var pid: Int32
        var instance: String

        var actor: String { "\(host):\(pid)" }
        var folderName: String { "\(host)-\(pid)-\(instance)" }
        /// The audit chain's id: the first segment's stem.
        var chainId: String { Timestamp.compact(Date(timeIntervalSince1970: Double(startedMs) / 1000)) + "-" + folderName }
    }

    func incarnation(writer: Int, atMs t: Int64) -> Incarnation {
        let offset = earliestMs + Int64(writer) * Self.restartMs / 2
        let epoch = TimeText.floorDivide(t - offset, Self.restartMs)
        let started = offset + epoch * Self.restartMs
        let tag = String(Self.mix(UInt64(bitPattern: epoch) &* 31 &+ UInt64(writer) ^ seed) % 2_821_109_907_456, radix: 36)
        return Incarnation(
            writer: writer, epoch: epoch, startedMs: started, host: "node\(writer + 1)", pid: Int32(2000 + 173 * (epoch + 2) + 61 * Int64(writer)),
            instance: "i" + String(repeating: "0", count: 8 - tag.count) + tag)
    }

    /// The splitmix64 finaliser: a bijection of 64-bit numbers that looks random.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A small seeded generator (splitmix64), for picking runs to look up.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 1
        return HistoryPlan.mix(state)
    }
}
