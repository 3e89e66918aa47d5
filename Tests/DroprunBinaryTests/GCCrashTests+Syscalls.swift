import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

extension EndToEndTests.GCCrashTests {
    /// Runs of the root each kill at an exact call starts from: enough for every step of the protocol to be many
    /// calls long, few enough for a dozen rounds to take seconds.
    static let tracedCount = 60
    /// Kills a mode makes: one in each of this many equal stretches of gc's calls, early to late.
    static let stretches = 4

    /// `kill -9` of the built `droprun gc` on entering its Nth rename, unlink, rmdir, write or flush (strace's fault
    /// injection), on fresh copies of one root, at points drawn from a seeded generator in each quarter of the calls one
    /// whole gc makes: every kill lands inside the purge protocol. After the kill, and after a second gc killed at
    /// another point (while it finishes what the first left, or after), every run is whole, committed or gone as the
    /// protocol says (`protocolProblems`); a last gc leaves every run gone, one line and one event each.
    ///
    /// Twice: with gc on its eight threads (strace counts per thread: the first to reach its Nth call of the kind is
    /// stopped), and with a runner's claim in the root, so that gc keeps to one thread and N names one instant.
    /// A failure names the seed; `DROPRUN_TEST_SEED=<seed>` replays it.
    @Test(.enabled(if: SyscallKill.unavailable == nil, "\(SyscallKill.unavailable ?? "")"), arguments: ["fast", "strict"])
    func killNineAtTheNthCallLeavesEveryRunWholeOrGone(durability: String) async throws {
        let template = try await prepare(durability: durability, count: Self.tracedCount)
        var generator = SeededRandom.forTest("GCCrashTests.killNineAtTheNthCall(\(durability))")
        var last: TemporaryRoot?
        for busy in [false, true] {
            last = try await killAtTheNthCalls(template, durability: durability, busy: busy, generator: &generator)
        }
        if let last { try await checkIdsRefused(last) }
    }

    /// One mode's rounds on copies of `template`; returns the last root (every run gone).
    private func killAtTheNthCalls(
        _ template: TemporaryRoot, durability: String, busy: Bool, generator: inout SeededRandom
    ) async throws -> TemporaryRoot? {
        let seed = generator.seed
        let gc = Self.gc
        let count = Self.tracedCount
        func fresh() throws -> TemporaryRoot {
            let root = try copy(template)
            // A claim of another runner: gc sees a busy runner and keeps to one thread.
            if busy { try root.write("outbox/claimed/otherhost-1/busy-claim.json", #"{"id": "busy-claim", "workflow": "w"}"#) }
            return root
        }
        func traced(_ root: TemporaryRoot, _ point: (call: String, n: Int)) async throws -> BuiltBinary.Output {
            try await blockingWork { [path = root.path] in try SyscallKill.run(gc, root: path, killingAt: point.call, n: point.n) }
        }
        // The calls of one whole gc of this root, in order on its own thread.
        let counted = try fresh()
        let census = try await blockingWork { [path = counted.path] in try SyscallKill.census(gc, root: path) }
        print("GCCrashTests: gc of \(count) runs (\(durability), busy: \(busy)) made \(census)")
        #expect(census.output.code == 0, "\(census.output.stdout)\(census.output.stderr)")
        try await checkAllGone(counted, count: count, "the census's gc", verify: false)
        let calls = census.sequence.count
        try #require(calls >= Self.stretches, "gc made too few of \(SyscallKill.calls): \(census)")

        var killed = 0
        var last: TemporaryRoot?
        for stretch in 0..<Self.stretches {
            let first = census.point(
                at: Int.random(in: (stretch * calls / Self.stretches)..<((stretch + 1) * calls / Self.stretches), using: &generator))
            let second = census.point(at: Int.random(in: 0..<calls, using: &generator))
            let label =
                "seed \(seed) (replay: DROPRUN_TEST_SEED=\(seed)), \(durability), busy: \(busy): "
                + "killed at \(first.call) #\(first.n), then \(second.call) #\(second.n)"
            let root = try fresh()
            let one = try await traced(root, first)
            #expect(one.code == 137 || one.code == 0 && !busy, "\(label): the first gc: \(one.code) \(one.stdout)\(one.stderr)")
            if one.code == 137 { killed += 1 }
            let afterOne = protocolProblems(root, count: count)
            #expect(afterOne.isEmpty, "\(label): after the first kill: \(afterOne.prefix(5))")
            // The next gc finishes what the first left, then carries on: killed again on the way.
            let two = try await traced(root, second)
            #expect(two.code == 137 || two.code == 0, "\(label): the second gc: \(two.code) \(two.stdout)\(two.stderr)")
            let afterTwo = protocolProblems(root, count: count)
            #expect(afterTwo.isEmpty, "\(label): after the second kill: \(afterTwo.prefix(5))")
            let final = try await binary(gc, root: root.path, workingDirectory: nil, timeout: 120)
            #expect(final.code == 0, "\(label): \(final.stdout)\(final.stderr)")
            try await checkAllGone(root, count: count, label, verify: stretch == Self.stretches - 1)
            last = root
        }
        // On one thread every point of the census is reached; on eight, most are.
        #expect(killed * 2 >= Self.stretches, "seed \(seed): only \(killed) of \(Self.stretches) first kills found gc with work left")
        if busy, let last { try FileManager.default.removeItem(atPath: last.file("outbox/claimed/otherhost-1")) }
        return last
    }

    /// A fresh root holding what `template` holds.
    func copy(_ template: TemporaryRoot) throws -> TemporaryRoot {
        let root = try TemporaryRoot(initialized: false)
        for name in try FileManager.default.contentsOfDirectory(atPath: template.path) {
            try FileManager.default.copyItem(atPath: template.file(name), toPath: root.file(name))
        }
        return root
    }

    /// What breaks the purge protocol in a root gc was killed in, a sentence each; empty when every run is in one of
    /// the protocol's states:
    ///
    /// - whole: its result in `outbox/results/`, its request and artifacts, no purged-ids line, no `run.purged` event;
    /// - committed: its result moved to `outbox/purging/<id>~result.json` (line and event written or not), or
    ///   `<id>~logged.json` (both written);
    /// - gone: no result, request or artifacts; one line and one event.
    ///
    /// At every instant a run's request goes only once its id is refused (its line written), an artifacts folder is
    /// never without its request, and no line or event is written twice.
    func protocolProblems(_ root: TemporaryRoot, count: Int) -> [String] {
        let said = RunTraces(root)
        func runs(_ folder: String) -> Set<String> {
            Set(root.list(folder).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") && !$0.contains("~") }.map { String($0.dropLast(5)) })
        }
        let results = runs("outbox/results")
        let requests = runs("outbox/requests")
        let artifacts = Set(root.list("artifacts").filter { !$0.hasPrefix(".") })
        var problems: [String] = []
        var purging: [String: Bool] = [:]
        for name in root.list("outbox/purging") {
            if name.hasSuffix("~result.json") {
                purging[String(name.dropLast("~result.json".count))] = false
            } else if name.hasSuffix("~logged.json") {
                purging[String(name.dropLast("~logged.json".count))] = true
            } else {
                problems.append("outbox/purging/\(name): not something a purge without an archive leaves")
            }
        }
        for id in (0..<count).map({ "job-\($0)" }) {
            let line = said.lines[id] ?? 0
            let event = said.events[id] ?? 0
            let request = requests.contains(id)
            let artifact = artifacts.contains(id)
            if line > 1 { problems.append("\(id): \(line) purged-ids lines") }
            if event > 1 { problems.append("\(id): \(event) run.purged events") }
            if artifact && !request { problems.append("\(id): an artifacts folder without its request") }
            if !request && line == 0 { problems.append("\(id): its request is gone and its id is not refused (no purged-ids line)") }
            if results.contains(id) {
                if !request || !artifact { problems.append("\(id): a result without its request (\(request)) or artifacts (\(artifact))") }
                if purging[id] != nil { problems.append("\(id): a result both in outbox/results and outbox/purging") }
                if line + event > 0 { problems.append("\(id): said purged (\(line) line, \(event) event) while its result is in outbox/results") }
            } else if let logged = purging[id] {
                if logged && (line == 0 || event == 0) { problems.append("\(id): marked logged without its line (\(line)) or event (\(event))") }
            } else {
                if request || artifact { problems.append("\(id): its result is gone but not its request (\(request)) or artifacts (\(artifact))") }
                if line == 0 || event == 0 { problems.append("\(id): gone without its purged-ids line (\(line)) or run.purged event (\(event))") }
            }
        }
        return problems
    }
}
