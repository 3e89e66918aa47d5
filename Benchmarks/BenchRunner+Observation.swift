import DroprunKit
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension BenchRunner {
    /// What the history index and the metrics file cost `run --once`: the defaults (both on) against both off.
    ///
    /// Each round makes two fresh roots of `--requests` three-step requests:
    /// one as `init` leaves it (an index line per finished run, the metrics
    /// file written at the end), one with `"metricsFile": null` in its
    /// `droprun.json` and a file at `outbox/index` (the index is off while
    /// something other than a folder stands there). Rounds alternate which
    /// root goes first, so a disk that slows down within a round weighs on
    /// both; the row shows the median round's cost (one minus the rate with
    /// both on over the rate with both off), and the CPU per run of each side
    /// (user and system time of the child, steadier than wall time on a
    /// shared machine). Each root is checked afterwards: index lines and a
    /// metrics file on one, neither on the other.
    mutating func observationCost() throws {
        var rounds: [(on: Double, off: Double, onCPU: Double, offCPU: Double)] = []
        for round in 1...options.rounds {
            let on = try freshRoot("observe-on-\(round)", requests: options.requests)
            let off = try freshRoot("observe-off-\(round)", requests: options.requests)
            try Self.turnOffIndexAndMetrics(off)
            Glibc.sync()
            var rate: [Bool: Double] = [:]
            var cpu: [Bool: Double] = [:]
            for isOn in round % 2 == 1 ? [true, false] : [false, true] {
                let root = isOn ? on : off
                let (seconds, usage) = try timed([
                    binary, "--root", root, "run", "--once", "--durability", "fast", "--concurrency", "\(options.concurrency)",
                ])
                rate[isOn] = Double(options.requests) / seconds
                cpu[isOn] = (Self.seconds(usage.ru_utime) + Self.seconds(usage.ru_stime)) * 1000 / Double(max(1, options.requests))
            }
            try Self.checkObservation(on: on, off: off, requests: options.requests)
            rounds.append((rate[true] ?? 0, rate[false] ?? 1, cpu[true] ?? 0, cpu[false] ?? 1))
        }
        func cost(_ r: (on: Double, off: Double, onCPU: Double, offCPU: Double)) -> Double { (1 - r.on / r.off) * 100 }
        let sorted = rounds.sorted { cost($0) < cost($1) }
        let median = sorted[sorted.count / 2]
        let percent = cost(median)
        let cpuCosts = rounds.map { ($0.onCPU / $0.offCPU - 1) * 100 }.sorted()
        let cpuCost = cpuCosts[cpuCosts.count / 2]
        let all = rounds.map { String(format: "%+.1f%%", cost($0)) }.joined(separator: ", ")
        rows.append(
            Row(
                name: "run --once, index + metrics on vs off",
                value: String(format: "%.0f runs/s vs %.0f off: cost %.1f%% (rounds ", median.on, median.off, percent) + all
                    + String(format: "); CPU per run %.3f vs %.3f ms (%+.1f%%; rounds ", median.onCPU, median.offCPU, cpuCost)
                    + rounds.map { String(format: "%+.1f%%", ($0.onCPU / $0.offCPU - 1) * 100) }.joined(separator: ", ") + ")",
                target: "cost < 3%", met: percent < 3,
                numbers: [
                    "runsPerSecond": median.on, "offRunsPerSecond": median.off, "costPercent": percent, "cpuMsPerRun": median.onCPU,
                    "offCpuMsPerRun": median.offCPU, "cpuCostPercent": cpuCost,
                ]))
    }

    /// `"metricsFile": null`, and a file where the index folder would be (the runner then says once that the index is off).
    static func turnOffIndexAndMetrics(_ root: String) throws {
        try write(Path.join(root, "droprun.json"), Array(#"{"metricsFile": null}"#.utf8))
        let index = Path.join(root, "outbox/index")
        if rmdir(index) != 0 && errno != ENOENT { throw BenchError("cannot remove \(index): \(String(cString: strerror(errno)))") }
        try write(index, Array("the history index is off in this benchmark root\n".utf8))
    }

    /// Both roots ran every request; the index and the metrics file are on one and off on the other.
    static func checkObservation(on: String, off: String, requests: Int) throws {
        let fm = FileManager.default
        for root in [on, off] {
            let results = (try? fm.contentsOfDirectory(atPath: Path.join(root, "outbox/results")))?.count ?? 0
            guard results == requests else { throw BenchError("\(root): \(results) results for \(requests) requests") }
        }
        let lines = ((try? fm.contentsOfDirectory(atPath: Path.join(on, "outbox/index"))) ?? []).filter { $0.hasSuffix(".jsonl") }
        guard !lines.isEmpty, fm.fileExists(atPath: Path.join(on, "outbox/metrics.prom")) else {
            throw BenchError("\(on): no index files or no outbox/metrics.prom with both on")
        }
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: Path.join(off, "outbox/index"), isDirectory: &isFolder), !isFolder.boolValue,
            !fm.fileExists(atPath: Path.join(off, "outbox/metrics.prom"))
        else { throw BenchError("\(off): the index or the metrics file was not off") }
    }

    static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
}
