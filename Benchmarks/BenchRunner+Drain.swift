import DroprunKit
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension Runner {
    /// `watch` draining a burst written while it runs, and a backlog it starts on, each beside `run --once` on the same inbox.
    ///
    /// Both sides run in `fast` durability with the default concurrency, each in
    /// a fresh root. The watch times run from the first drop written (burst) or
    /// from the start of the process (backlog) to the last result; peak memory
    /// is the process's maximum resident size.
    mutating func drain() async throws {
        let count = options.drain
        let onceRoot = try freshRoot("drain-once", requests: count)
        let (onceSeconds, onceUsage) = try timed([binary, "--root", onceRoot, "run", "--once", "--durability", "fast"])
        let onceMB = Double(onceUsage.ru_maxrss) / 1024
        let onceRate = Double(count) / onceSeconds

        // A burst written by write-then-rename into a running watch.
        let burstRoot = try freshRoot("drain-burst", requests: 0)
        let watch = try Child.start([binary, "--root", burstRoot, "watch", "--durability", "fast"])
        try await Task.sleep(for: .milliseconds(500))
        let start = ContinuousClock.now
        for i in 0..<count {
            let temp = Path.join(burstRoot, "inbox/.b\(i).json.tmp")
            try Self.write(temp, Self.request(id: nil, n: i))
            guard rename(temp, Path.join(burstRoot, "inbox/b\(i).json")) == 0 else { throw BenchError("rename failed") }
        }
        let written = (ContinuousClock.now - start).seconds
        let burstDone = try await waitForResults(burstRoot, count: count, since: start)
        let burstUsage = watch.stop()
        rows.append(drainRow("watch, burst of \(count) written while it runs", done: burstDone, count: count, usage: burstUsage,
                             onceRate: onceRate, onceSeconds: onceSeconds, onceMB: onceMB, note: String(format: "written in %.1f s", written)))

        // A backlog a watch starts on.
        let backlogRoot = try freshRoot("drain-backlog", requests: count)
        let backlogStart = ContinuousClock.now
        let backlogWatch = try Child.start([binary, "--root", backlogRoot, "watch", "--durability", "fast"])
        let backlogDone = try await waitForResults(backlogRoot, count: count, since: backlogStart)
        let backlogUsage = backlogWatch.stop()
        rows.append(drainRow("watch, started on a backlog of \(count)", done: backlogDone, count: count, usage: backlogUsage,
                             onceRate: onceRate, onceSeconds: onceSeconds, onceMB: onceMB, note: nil))
    }

    /// Seconds until `outbox/results/` holds `count` results, or nil (with how many there were) after the drain timeout.
    func waitForResults(_ root: String, count: Int, since start: ContinuousClock.Instant) async throws -> (seconds: Double?, results: Int) {
        let results = Path.join(root, "outbox/results")
        let fs = PosixFileSystem()
        var seen = 0
        while (ContinuousClock.now - start).seconds < Double(options.drainTimeout) {
            seen = ((try? fs.list(results)) ?? []).count
            if seen >= count { return ((ContinuousClock.now - start).seconds, seen) }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (nil, seen)
    }

    func drainRow(_ name: String, done: (seconds: Double?, results: Int), count: Int, usage: rusage, onceRate: Double, onceSeconds: Double,
                  onceMB: Double, note: String?) -> Row {
        let peakMB = Double(usage.ru_maxrss) / 1024
        let once = String(format: "run --once %.1f s, %.0f runs/s, peak %.1f MB", onceSeconds, onceRate, onceMB)
        guard let seconds = done.seconds else {
            return Row(name: name, value: String(format: "%d of %d results after %d s; peak %.1f MB (", done.results, count,
                                                 options.drainTimeout, peakMB) + once + ")",
                       target: "ratio >= 0.8, peak < 64 MB", met: false, numbers: ["results": Double(done.results), "peakMB": peakMB])
        }
        let rate = Double(count) / seconds
        let ratio = rate / onceRate
        let extra = note.map { "; \($0)" } ?? ""
        return Row(
            name: name,
            value: String(format: "last result after %.1f s (%.0f runs/s), peak %.1f MB; ratio %.2f to ", seconds, rate, peakMB, ratio) + once + extra,
            target: "ratio >= 0.8, peak < 64 MB", met: ratio >= 0.8 && peakMB < 64,
            numbers: ["seconds": seconds, "runsPerSecond": rate, "peakMB": peakMB, "ratio": ratio, "onceSeconds": onceSeconds, "onceRunsPerSecond": onceRate,
                      "oncePeakMB": onceMB])
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
}
