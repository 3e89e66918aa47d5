import DroprunKit
import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension BenchRunner {
    /// The history section: queries, `audit RUN_ID` and `gc` over a generated root of `--history-runs` finished runs.
    ///
    /// Not in the default set (`--only history`): at 1,000,000 runs the root
    /// takes about 14 GB, several minutes to write, and about 30 minutes to
    /// delete on this disk (after the table is printed). The section checks the
    /// generator against DroprunKit (`HistorySelfCheck`), writes the root
    /// (`HistoryGenerator`), flushes it, then times each command as a child
    /// process of the `droprun` binary (wall time to its exit, peak resident
    /// size from `wait4`): the first run apart (cold-ish), then the median of
    /// the rounds. A command this build does not have (a usage error naming
    /// an unknown command or option) makes its row say so. Last, `gc
    /// --older-than 30d` removes the expired runs while `run --once` drains
    /// `--history-drops` drops, against the same `run --once` alone just before.
    mutating func history() throws {
        let sectionStart = ContinuousClock.now
        let runs = options.historyRuns
        let expired = min(options.historyExpired ?? runs / 10, runs / 2)
        let rounds = options.roundsGiven ? options.rounds : 5
        print(
            "history: \(runs) finished runs (not in the default set, --only history: at 1,000,000 runs about 14 GB, 5 to 10 minutes "
                + "to write and measure besides gc's own time, and about 30 minutes to remove the root afterwards)")
        let folder = options.historyDirectory ?? base
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try HistoryDisk.ensureRoom(folder, runs: runs)
        let root = Path.join(folder, "history-\(runs)-\(getpid())")
        let plan = HistoryPlan(runs: runs, expired: expired, now: Date())
        let generator = try HistoryGenerator(root: root, plan: plan)
        try HistorySelfCheck.run(generator: generator, scratch: root + ".selfcheck")

        let freeBefore = HistoryDisk.freeBytes(folder)
        let generateStart = ContinuousClock.now
        let counts = try generator.run { done in
            print("history: \(done * 100 / max(1, runs))% written")
            fflush(nil)  // as it comes, also into a file
        }
        let generateSeconds = (ContinuousClock.now - generateStart).seconds
        let syncStart = ContinuousClock.now
        Glibc.sync()
        let syncSeconds = (ContinuousClock.now - syncStart).seconds
        let diskGB = Double(max(0, freeBefore - HistoryDisk.freeBytes(folder))) / 1e9
        let statuses = ["succeeded", "failed", "cancelled"].map { "\(counts.byStatus[$0] ?? 0) \($0)" }.joined(separator: ", ")
        rows.append(
            Row(
                name: "history: generate \(runs) runs",
                value: String(format: "%.1f s, then %.1f s to flush; %.2f GB on disk, %d files (", generateSeconds, syncSeconds, diskGB, counts.files)
                    + "\(statuses); \(counts.artifacts) with artifacts; \(counts.auditLines) audit lines in \(counts.segments) segments; "
                    + "\(counts.indexFiles) index files)",
                target: "-", met: nil,
                numbers: [
                    "seconds": generateSeconds, "syncSeconds": syncSeconds, "diskGB": diskGB, "files": Double(counts.files),
                    "runs": Double(runs), "expired": Double(expired),
                ]))
        print(
            "history: \(runs) runs written in \(String(format: "%.1f", generateSeconds)) s (+\(String(format: "%.1f", syncSeconds)) s flush) to \(root)"
        )

        let queries = HistoryQueries(binary: binary, root: root, generator: generator, rounds: rounds, timeout: Double(options.historyTimeout))
        rows.append(contentsOf: try queries.measureAll())
        rows.append(contentsOf: try HistoryGC(binary: binary, root: root, plan: plan, drops: options.historyDrops).measure())

        print("history: section took \(String(format: "%.0f", (ContinuousClock.now - sectionStart).seconds)) s")
        if options.keepHistory {
            print("history: root left in \(root) (--keep-history)")
        } else {
            // Removed after the table is printed (`run()`): deleting millions of files takes minutes on this disk.
            removeAtEnd.append(root)
        }
    }
}
