import DroprunKit
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension BenchRunner {
    /// One round of the drain rows: `run --once`, a burst into a running `watch`, and a backlog a `watch` starts on.
    struct DrainRound {
        var once: (seconds: Double, usage: rusage)
        var burst: (done: (seconds: Double?, results: Int), usage: rusage, written: Double)
        var backlog: (done: (seconds: Double?, results: Int), usage: rusage)
    }

    /// `watch` draining a burst written while it runs, and a backlog it starts on, each beside `run --once` on the same inbox.
    ///
    /// All run in `fast` durability with the default concurrency, each in a
    /// fresh root, in `rounds` rounds (this disk's speed swings within
    /// minutes); each row shows the median round by ratio. The watch times
    /// run from the first drop written (burst) or from the start of the
    /// process (backlog) to the last result; peak memory is the process's
    /// maximum resident size; CPU is user plus system time.
    mutating func drain() async throws {
        let count = options.drain
        var rounds: [DrainRound] = []
        for round in 1...options.rounds {
            let onceRoot = try freshRoot("drain-once-\(round)", requests: count)
            let once = try timed([binary, "--root", onceRoot, "run", "--once", "--durability", "fast"])

            let burstRoot = try freshRoot("drain-burst-\(round)", requests: 0)
            let watch = try Child.start([binary, "--root", burstRoot, "watch", "--durability", "fast"])
            try await Task.sleep(for: .milliseconds(500))
            let start = ContinuousClock.now
            for i in 0..<count {
                let temp = Path.join(burstRoot, "inbox/.b\(i).json.tmp")
                try Self.write(temp, Self.request(id: nil, n: i))
                guard rename(temp, Path.join(burstRoot, "inbox/b\(i).json")) == 0 else { throw BenchError("rename failed") }
            }
            let written = (ContinuousClock.now - start).seconds
            let burstDone = try await waitForResults(burstRoot, count: count, last: "b\(count - 1).json", since: start)
            let burstUsage = watch.stop()

            let backlogRoot = try freshRoot("drain-backlog-\(round)", requests: count)
            let backlogStart = ContinuousClock.now
            let backlogWatch = try Child.start([binary, "--root", backlogRoot, "watch", "--durability", "fast"])
            let backlogDone = try await waitForResults(backlogRoot, count: count, last: "r\(count - 1).json", since: backlogStart)
            let backlogUsage = backlogWatch.stop()
            rounds.append(DrainRound(once: once, burst: (burstDone, burstUsage, written), backlog: (backlogDone, backlogUsage)))
        }
        rows.append(
            drainRow("watch, burst of \(count) written while it runs", count: count, rounds: rounds) {
                ($0.burst.done, $0.burst.usage, $0.burst.written)
            })
        rows.append(drainRow("watch, started on a backlog of \(count)", count: count, rounds: rounds) { ($0.backlog.done, $0.backlog.usage, nil) })
    }

    /// Seconds until `outbox/results/` holds `count` results, or nil (with how many there were) after the drain timeout.
    ///
    /// Files are taken oldest first, so the folder is counted (a listing of
    /// up to `count` names, which would take CPU from the runner if done
    /// often) only once the last drop's result is there; until then one
    /// `stat` per 10 ms.
    func waitForResults(_ root: String, count: Int, last: String, since start: ContinuousClock.Instant) async throws -> (
        seconds: Double?, results: Int
    ) {
        let results = Path.join(root, "outbox/results")
        let fs = PosixFileSystem()
        var st = stat()
        while (ContinuousClock.now - start).seconds < Double(options.drainTimeout) {
            if stat(Path.join(results, last), &st) == 0 {
                let seen = ((try? fs.list(results)) ?? []).count
                if seen >= count { return ((ContinuousClock.now - start).seconds, seen) }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return (nil, ((try? fs.list(results)) ?? []).count)
    }

    func drainRow(
        _ name: String, count: Int, rounds: [DrainRound],
        _ side: (DrainRound) -> (done: (seconds: Double?, results: Int), usage: rusage, written: Double?)
    ) -> Row {
        let target = "ratio >= 0.8, peak < 64 MB"
        // A round that did not drain counts as ratio 0.
        let scored = rounds.map { round -> (round: DrainRound, ratio: Double) in
            guard let seconds = side(round).done.seconds else { return (round, 0) }
            return (round, round.once.seconds / seconds)
        }.sorted { $0.ratio < $1.ratio }
        let median = scored[scored.count / 2].round
        let chosen = side(median)
        let peakMB = Double(chosen.usage.ru_maxrss) / 1024
        let onceMB = Double(median.once.usage.ru_maxrss) / 1024
        let once = String(
            format: "run --once %.1f s, %.0f runs/s, peak %.1f MB, CPU %.1f s", median.once.seconds, Double(count) / median.once.seconds,
            onceMB, Self.cpuSeconds(median.once.usage))
        let all = scored.map { String(format: "%.2f", $0.ratio) }.joined(separator: ", ")
        guard let seconds = chosen.done.seconds else {
            return Row(
                name: name,
                value: String(
                    format: "%d of %d results after %d s; peak %.1f MB (", chosen.done.results, count,
                    options.drainTimeout, peakMB) + once + ")",
                target: target, met: false, numbers: ["results": Double(chosen.done.results), "peakMB": peakMB])
        }
        let rate = Double(count) / seconds
        let ratio = median.once.seconds / seconds
        let written = chosen.written.map { String(format: "; written in %.1f s", $0) } ?? ""
        return Row(
            name: name,
            value: String(
                format: "last result after %.1f s (%.0f runs/s), peak %.1f MB, CPU %.1f s; ratio %.2f to ", seconds, rate, peakMB,
                Self.cpuSeconds(chosen.usage), ratio) + once + written + "; rounds " + all,
            target: target, met: ratio >= 0.8 && peakMB < 64,
            numbers: [
                "seconds": seconds, "runsPerSecond": rate, "peakMB": peakMB, "ratio": ratio, "onceSeconds": median.once.seconds,
                "onceRunsPerSecond": Double(count) / median.once.seconds, "oncePeakMB": onceMB,
            ])
    }

    static func cpuSeconds(_ usage: rusage) -> Double {
        Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
