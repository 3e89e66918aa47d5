import DroprunKit
import Foundation

/// The history section's query rows: `list` first page, `list --status failed --since 24h`, `status`, `show`, `audit RUN_ID`.
struct HistoryQueries {
    /// A command the section times, with its targets and a check of what it printed.
    struct Query {
        var name: String
        var targetMs: Double
        var peakLimitMB: Double
        /// The command (after `droprun --root ROOT`) for round `r` (0: the first, cold-ish run).
        var arguments: (Int) -> [String]
        /// What is wrong with the output of round `r`, or nil.
        var check: (Int, String) -> String?
    }

    /// Any query's peak memory must stay below this (the figure).
    static let peakMB = 64.0
    /// The watchdog ends a command past this resident size.
    static let memoryLimitMB = 1024.0

    let binary: String
    let root: String
    let generator: HistoryGenerator
    let rounds: Int
    let timeout: Double
    var plan: HistoryPlan { generator.plan }

    init(binary: String, root: String, generator: HistoryGenerator, rounds: Int, timeout: Double) {
        self.binary = binary
        self.root = root
        self.generator = generator
        self.rounds = rounds
        self.timeout = timeout
    }

    func measureAll() throws -> [Row] {
        // Runs to look up, seeded: a different one each round.
        var random = SplitMix(state: 2026_13)
        let picked = (0...rounds).map { _ in Int(random.next() % UInt64(plan.runs)) }
        let newest = plan.id(plan.runs - 1)
        let newestFailed = (0..<plan.runs).reversed().first { plan.kinds[plan.kind($0)].status == .failed }.map(plan.id)
        let queries = [
            Query(
                name: "list, first page", targetMs: 100, peakLimitMB: Self.peakMB, arguments: { _ in ["list"] },
                check: { _, out in out.contains(newest) ? nil : "the newest run \(newest) is not on it" }),
            Query(
                name: "list --status failed --since 24h", targetMs: 300, peakLimitMB: Self.peakMB,
                arguments: { _ in ["list", "--status", "failed", "--since", "24h"] },
                check: { _, out in
                    let rows = Self.rows(out)
                    if rows.isEmpty { return "no rows" }
                    if let other = rows.first(where: { !$0.hasPrefix("failed ") }) { return "a row that is not failed: \(other)" }
                    if let newestFailed, !out.contains(newestFailed) { return "the newest failed run \(newestFailed) is not listed" }
                    return nil
                }),
            Query(
                name: "status RUN_ID", targetMs: 20, peakLimitMB: Self.peakMB, arguments: { ["status", plan.id(picked[$0])] },
                check: { r, out in expectRun(picked[r], in: out) }),
            Query(
                name: "show RUN_ID", targetMs: 20, peakLimitMB: Self.peakMB, arguments: { ["show", plan.id(picked[$0])] },
                check: { r, out in expectRun(picked[r], in: out) }),
            Query(
                name: "audit RUN_ID", targetMs: 50, peakLimitMB: 30, arguments: { ["audit", plan.id(picked[$0])] },
                check: { r, out in
                    let i = picked[r]
                    let id = plan.id(i)
                    let events = generator.templates[plan.kind(i)][plan.variant(i)].events.count
                    let lines = out.split(separator: "\n").filter { $0.contains(id) }.count
                    return lines >= events ? nil : "\(lines) lines name \(id), its run has \(events) events"
                }),
        ]
        return try queries.map(measure)
    }

    /// The rows of `list`'s table: lines whose first word is a status (not the header, nor the line that says how to page on).
    static func rows(_ out: String) -> [Substring] {
        let statuses = Set(RunStatus.allCases.map(\.rawValue) + ["waiting", "rejected", "unreadable"])
        return out.split(separator: "\n").filter { line in line.split(separator: " ").first.map { statuses.contains(String($0)) } ?? false }
    }

    /// The id and final status of run `i` must be in the output.
    func expectRun(_ i: Int, in out: String) -> String? {
        let id = plan.id(i)
        let status = plan.kinds[plan.kind(i)].status.rawValue
        return out.contains(id) && out.contains(status) ? nil : "expected \(id) and '\(status)' in: \(out.prefix(200))"
    }

    func measure(_ query: Query) throws -> Row {
        let name = "history: \(query.name)"
        let target = "<= \(Int(query.targetMs)) ms, peak " + (query.peakLimitMB < Self.peakMB ? "<= \(Int(query.peakLimitMB)) MB" : "< 64 MB")
        var samples: [WatchedChild.Outcome] = []
        var problem: String?
        for round in 0...rounds {
            let run = try HistoryCommand.run(binary: binary, root: root, query.arguments(round), timeout: timeout, memoryLimitMB: Self.memoryLimitMB)
            if let missing = run.notAvailable {
                return Row(name: name, value: "not available in this build (\(missing))", target: target, met: nil, numbers: [:])
            }
            if let limit = run.outcome.limit {
                let what =
                    switch limit {
                    case .time(let s): String(format: "ended after %.0f s (the time limit)", s)
                    case .memory(let mb): String(format: "ended above %.0f MB resident", mb)
                    }
                return Row(
                    name: name, value: what + (round == 0 ? " on the first run" : " in round \(round)"), target: target, met: false, numbers: [:])
            }
            guard let code = run.outcome.exitCode, code == 0 || code == 1 else {
                return Row(name: name, value: "failed: \(run.failure)", target: target, met: false, numbers: [:])
            }
            if problem == nil, let wrong = query.check(round, run.stdout) { problem = "round \(round): " + wrong }
            samples.append(run.outcome)
        }
        let first = samples[0]
        let warm = samples.count > 1 ? Array(samples.dropFirst()) : samples
        let times = warm.map { $0.seconds * 1000 }
        let medianMs = times.sorted()[times.count / 2]
        let peak = samples.map(\.peakMB).max() ?? 0
        // A child's peak starts at this benchmark's own size (see `WatchedChild.resetOwnPeak`): at that figure, it is an upper bound.
        let bounded = samples.allSatisfy { $0.peakMB <= $0.floorMB + 0.5 }
        let met = medianMs <= query.targetMs && peak <= query.peakLimitMB && peak < Self.peakMB && problem == nil
        var value =
            String(format: "median %.1f ms, peak ", medianMs) + (bounded ? "<= " : "")
            + String(format: "%.1f MB (first %.1f ms, %.1f MB; rounds ", peak, first.seconds * 1000, first.peakMB)
            + times.map { String(format: "%.1f", $0) }.joined(separator: ", ") + " ms)"
        if let problem { value += "; WRONG OUTPUT " + problem }
        return Row(
            name: name, value: value, target: target, met: met,
            numbers: ["medianMs": medianMs, "firstMs": first.seconds * 1000, "peakMB": peak, "firstPeakMB": first.peakMB])
    }
}

/// One run of a `droprun` command for the history section, with its output kept.
struct HistoryCommand {
    var outcome: WatchedChild.Outcome
    var stdout: String
    var stderr: String

    /// What the build said when it does not have the command or option: a usage error (exit 2) naming an unknown one.
    var notAvailable: String? {
        guard outcome.exitCode == 2, stderr.contains("unknown command") || stderr.contains("unknown option") else { return nil }
        return stderr.split(separator: "\n").first.map(String.init) ?? "usage error"
    }

    var failure: String {
        let code = outcome.exitCode.map { "exit \($0)" } ?? "signal \(outcome.status & 0x7F)"
        return code + ": " + (stderr.split(separator: "\n").first.map(String.init) ?? "")
    }

    static func run(binary: String, root: String, _ arguments: [String], timeout: Double, memoryLimitMB: Double) throws -> HistoryCommand {
        let out = root + ".stdout"
        let err = root + ".stderr"
        let child = try WatchedChild(
            [binary, "--root", root] + arguments, stdout: out, stderr: err, timeoutSeconds: timeout, memoryLimitMB: memoryLimitMB)
        let outcome = child.wait()
        let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        unlink(out)
        unlink(err)
        return HistoryCommand(outcome: outcome, stdout: stdout, stderr: stderr)
    }
}
