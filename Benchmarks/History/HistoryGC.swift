import DroprunKit
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The history section's last rows: `gc --older-than 30d` of the expired runs while `run --once` drains drops.
///
/// `run --once` first drains `drops` drops alone on the history root (the
/// three-step requests of the throughput rows, `fast`), then as many again
/// while `gc` runs, started a moment before it; the row compares the two
/// rates. gc's row checks what it left: a sample of the expired runs must be
/// gone (result, kept request, artifacts), a sample of the others whole, and
/// `outbox/results/` must hold exactly the runs that were not expired.
struct HistoryGC {
    static let targetSeconds = 60.0
    static let targetRatio = 0.8

    let binary: String
    let root: String
    let plan: HistoryPlan
    let drops: Int

    func measure() throws -> [Row] {
        let gcName = "history: gc --older-than 30d, \(plan.expired) expired"
        let onceName = "history: run --once of \(drops) beside gc"
        let gcTarget = "< 60 s, exactly the expired runs removed"
        let onceTarget = ">= 80% of alone"
        let alone = try drain(prefix: "ha", beside: nil)
        guard let aloneSeconds = alone.seconds else {
            return [Row(name: onceName, value: "run --once alone: \(alone.problem ?? "failed")", target: onceTarget, met: false, numbers: [:])]
        }
        let aloneRate = Double(drops) / aloneSeconds

        // gc is started for real: a build without it says so at once (a usage error), and the run beside it is not counted.
        var gcOutcome: WatchedChild.Outcome?
        var gcOutput = ""
        let beside = try drain(prefix: "hg") {
            try WatchedChild(
                [binary, "--root", root, "gc", "--older-than", "30d"], stdout: root + ".gc.stdout", stderr: root + ".gc.stderr",
                timeoutSeconds: 1800, memoryLimitMB: 4096)
        } after: { gc in
            gcOutcome = gc.wait()
            gcOutput = (try? String(contentsOfFile: root + ".gc.stderr", encoding: .utf8)) ?? ""
            unlink(root + ".gc.stdout")
            unlink(root + ".gc.stderr")
        }
        guard let gc = gcOutcome else { throw BenchError("history: gc did not run") }
        let probe = HistoryCommand(outcome: gc, stdout: "", stderr: gcOutput)
        if let missing = probe.notAvailable {
            return [
                Row(name: gcName, value: "not available in this build (\(missing))", target: gcTarget, met: nil, numbers: [:]),
                Row(
                    name: onceName, value: String(format: "%.0f runs/s alone; beside gc not available in this build", aloneRate), target: onceTarget,
                    met: nil, numbers: ["aloneRunsPerSecond": aloneRate]),
            ]
        }

        var rows: [Row] = []
        let left = checkLeft()
        if let limit = gc.limit {
            rows.append(Row(name: gcName, value: "ended by the benchmark: \(limit)", target: gcTarget, met: false, numbers: [:]))
        } else if gc.exitCode != 0 {
            let said = gcOutput.split(separator: "\n").first.map(String.init) ?? ""
            rows.append(
                Row(
                    name: gcName, value: "failed (exit \(gc.exitCode.map(String.init) ?? "by signal")): \(said)", target: gcTarget, met: false,
                    numbers: [:]))
        } else {
            rows.append(
                Row(
                    name: gcName,
                    value: String(
                        format: "%.1f s (%.0f runs/s), peak %.1f MB, CPU %.1f s; ", gc.seconds, Double(plan.expired) / gc.seconds, gc.peakMB,
                        BenchRunner.cpuSeconds(gc.usage)) + left.summary,
                    target: gcTarget, met: gc.seconds < Self.targetSeconds && left.problem == nil,
                    numbers: ["seconds": gc.seconds, "peakMB": gc.peakMB, "results": Double(left.results)]))
        }
        if let besideSeconds = beside.seconds {
            let rate = Double(drops) / besideSeconds
            let ratio = rate / aloneRate
            let overlap = gc.seconds < besideSeconds ? String(format: "; gc ended %.1f s before it", besideSeconds - gc.seconds) : ""
            rows.append(
                Row(
                    name: onceName,
                    value: String(format: "%.0f runs/s beside gc, %.0f alone (%.0f%%)", rate, aloneRate, ratio * 100) + overlap, target: onceTarget,
                    met: ratio >= Self.targetRatio, numbers: ["runsPerSecond": rate, "aloneRunsPerSecond": aloneRate, "ratio": ratio]))
        } else {
            rows.append(
                Row(name: onceName, value: "run --once beside gc: \(beside.problem ?? "failed")", target: onceTarget, met: false, numbers: [:]))
        }
        return rows
    }

    /// Writes `drops` drops, flushes, starts `beside` (if any) and then `run --once`; waits for both.
    private func drain(
        prefix: String, beside: (() throws -> WatchedChild)? = nil, after: (WatchedChild) -> Void = { _ in }
    ) throws -> (seconds: Double?, problem: String?) {
        let inbox = RootLayout(root: root).inbox
        for i in 0..<drops { try BenchRunner.write(Path.join(inbox, "\(prefix)\(i).json"), BenchRunner.request(id: nil, n: i)) }
        Glibc.sync()
        let other = try beside?()
        let once = try WatchedChild(
            [binary, "--root", root, "run", "--once", "--durability", "fast"], stdout: nil, stderr: root + ".once.stderr", timeoutSeconds: 1800,
            memoryLimitMB: 4096)
        let outcome = once.wait()
        if let other { after(other) }
        let said = ((try? String(contentsOfFile: root + ".once.stderr", encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init) ?? ""
        unlink(root + ".once.stderr")
        if let limit = outcome.limit { return (nil, "ended by the benchmark: \(limit)") }
        // Exit 1 means some run failed; every drop is a succeeding run, so the results say whether it worked.
        var st = stat()
        guard stat(Path.join(RootLayout(root: root).results, "\(prefix)\(drops - 1).json"), &st) == 0 else {
            return (nil, "no result for the last drop (exit \(outcome.exitCode.map(String.init) ?? "by signal"): \(said))")
        }
        return (outcome.seconds, nil)
    }

    /// What gc left: samples of expired and kept runs, and the number of results.
    private func checkLeft() -> (summary: String, problem: String?, results: Int) {
        let layout = RootLayout(root: root)
        var st = stat()
        func exists(_ path: String) -> Bool { stat(path, &st) == 0 }
        let sample = 2_000
        var leftOver = 0
        var lost = 0
        for k in 0..<min(sample, plan.expired) {
            let i = k * plan.expired / min(sample, plan.expired)
            let id = plan.id(i)
            if exists(layout.result(id)) || exists(Path.join(layout.requests, id + ".json")) || exists(Path.join(layout.artifacts, id)) {
                leftOver += 1
            }
        }
        let kept = plan.runs - plan.expired
        for k in 0..<min(sample, kept) {
            let id = plan.id(plan.expired + k * kept / min(sample, kept))
            if !exists(layout.result(id)) || !exists(Path.join(layout.requests, id + ".json")) { lost += 1 }
        }
        let results = ((try? PosixFileSystem().list(layout.results)) ?? []).count
        let expected = kept + 2 * drops
        var problems: [String] = []
        if leftOver > 0 { problems.append("\(leftOver) of \(min(sample, plan.expired)) sampled expired runs still there") }
        if lost > 0 { problems.append("\(lost) of \(min(sample, kept)) sampled newer runs damaged") }
        if results != expected { problems.append("\(results) results left, expected \(expected)") }
        let summary =
            problems.isEmpty ? "\(results) results left as expected; sampled expired runs gone, newer ones whole" : problems.joined(separator: "; ")
        return (summary, problems.isEmpty ? nil : summary, results)
    }
}
