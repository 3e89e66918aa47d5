import Testing

@testable import DroprunKit

/// Percentiles by nearest rank: values that occurred, exactly.
@Suite struct PercentilesTests {
    @Test func oneToAHundred() throws {
        let p = try #require(Percentiles(Array((1...100).reversed())))
        #expect(p == Percentiles(count: 100, p50: 50, p95: 95, p99: 99, max: 100))
    }

    @Test func tenValuesPutTheNinetyFifthAndTheNinetyNinthAtTheLongest() throws {
        let p = try #require(Percentiles([10, 20, 30, 40, 50, 60, 70, 80, 90, 1000]))
        #expect(p == Percentiles(count: 10, p50: 50, p95: 1000, p99: 1000, max: 1000))
    }

    @Test func oneValueIsEveryPercentile() throws {
        #expect(Percentiles([7]) == Percentiles(count: 1, p50: 7, p95: 7, p99: 7, max: 7))
    }

    @Test func twoHundredValues() throws {
        // Ranks ⌈0.5·200⌉ = 100, ⌈0.95·200⌉ = 190, ⌈0.99·200⌉ = 198.
        let p = try #require(Percentiles((1...200).map { $0 * 2 }))
        #expect(p == Percentiles(count: 200, p50: 200, p95: 380, p99: 396, max: 400))
    }

    @Test func noValuesNoPercentiles() { #expect(Percentiles([]) == nil) }
}
