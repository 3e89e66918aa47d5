import Foundation

/// A small seeded generator (SplitMix64): the same sequence for the same seed everywhere, so a test that draws
/// its kill moments, mutations or orders from it can be replayed from the seed it prints.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// The seed this generator started from (what `DROPRUN_TEST_SEED` replays).
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededRandom {
    /// A generator for a test, seeded from `DROPRUN_TEST_SEED` when set (to replay a failure), else at random; the
    /// seed is printed with `label`, so a failing run says how to replay it.
    public static func forTest(_ label: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> SeededRandom {
        let seed = environment["DROPRUN_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
        print("\(label): seed \(seed) (replay with DROPRUN_TEST_SEED=\(seed))")
        return SeededRandom(seed: seed)
    }
}
