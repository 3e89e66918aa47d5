import DroprunTestSupport
import Foundation
import Synchronization
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// How `watch` and `run --once` take files from the inbox: failed takes retried, half-written files held rather than rejected.
@Suite struct WatchIntakeTests {
    static let valid = RequestText.make(steps: [#"{"id": "s", "provider": "echo", "with": {"x": 1}}"#])

    /// Outcomes reported by a runner, collected across tasks.
    final class Outcomes: Sendable {
        private let list = Mutex<[RunOutcome]>([])
        func append(_ outcome: RunOutcome) { list.withLock { $0.append(outcome) } }
        var all: [RunOutcome] { list.withLock { $0 } }
    }

    /// Waits until `condition` holds or `seconds` of real time pass (`DroprunTestSupport.eventually`).
    static func eventually(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
        await DroprunTestSupport.eventually(seconds, condition)
    }

    /// Item 12: a name whose take failed was refused until the runner restarted; now it is tried again after a backoff.
    @Test(.timeLimit(.minutes(1)))
    func aNameWhoseTakeFailedIsTakenAfterABackoff() async throws {
        let root = try TemporaryRoot()
        // The first two claims of x.json fail (a permission problem that is then fixed).
        let fs = FaultyFileSystem([.init("rename", pathContains: "inbox/x.json ->", code: EACCES, times: 2)])
        let clock = ManualClock()
        let context = root.engine(clock: clock, fileSystem: fs)
        defer { context.audit.close() }
        try root.drop("x.json", Self.valid)
        let outcomes = Outcomes()
        let watch = Task { try await Runner(context: context).watch(grace: .zero, onOutcome: { outcomes.append($0) }) }
        func failedClaims() -> Int { fs.operations.filter { $0.hasPrefix("rename ") && $0.contains("inbox/x.json ->") }.count }

        #expect(await Self.eventually { failedClaims() >= 1 && !clock.pendingSleeps.isEmpty })
        // Manual time passes in steps of the poll interval; the file is taken once its backoff (0.5 s, then 1 s) is over.
        func finished() -> Bool { outcomes.all.contains { $0.kind == .finished(.succeeded) } }
        var steps = 0
        while !finished(), steps < 40 {
            steps += 1
            clock.advance(by: .milliseconds(500))
            _ = await Self.eventually(0.5) { finished() || !clock.pendingSleeps.isEmpty && failedClaims() >= min(3, 1 + steps / 2) }
        }
        #expect(await Self.eventually { finished() })
        context.stop.stop()
        try await watch.value
        // The first failed take is said once (not at every retry), then the file runs.
        #expect(outcomes.all.map(\.kind) == [.deferred, .finished(.succeeded)], "\(outcomes.all)")
        #expect(failedClaims() == 3, "\(fs.operations.filter { $0.hasPrefix("rename ") })")
        #expect(root.list("outbox/results") == ["x.json"])
    }

    /// Item 1: drops arriving one after another into a running watch cost each a few looks at the inbox, not a listing of it per wake.
    ///
    /// The old loop listed the whole inbox (an `lstat` per file) on every
    /// wake: a writer dropping files one at a time, faster than they drain,
    /// made that quadratic.
    @Test(.timeLimit(.minutes(2)))
    func dropsArrivingOneByOneAreTakenWithoutRelistingTheInboxEachTime() async throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem()
        let clock = ManualClock()
        let context = root.engine(clock: clock, fileSystem: fs)
        defer { context.audit.close() }
        let count = 600
        // Written beside the inbox first, then renamed in one after another while watch runs.
        let staging = root.file("staging")
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        for i in 0..<count { try Data(Self.valid.utf8).write(to: URL(fileURLWithPath: Path.join(staging, "b\(i).json"))) }
        let outcomes = Outcomes()
        let watch = Task { try await Runner(context: context).watch(grace: .zero, onOutcome: { outcomes.append($0) }) }
        let inbox = root.file("inbox")
        #expect(await Self.eventually { fs.operations.contains { $0 == "list " + inbox } })
        try await blockingWork {
            for i in 0..<count {
                rename(Path.join(staging, "b\(i).json"), Path.join(inbox, "b\(i).json"))
                usleep(300)  // the writer's pace: each drop comes on its own
            }
        }
        #expect(await Self.eventually(60) { outcomes.all.count >= count })
        context.stop.stop()
        try await watch.value
        #expect(outcomes.all.count == count)
        #expect(outcomes.all.allSatisfy { $0.kind == .finished(.succeeded) })
        let looks = fs.infoCalls(inside: inbox)
        #expect(looks <= 4 * count, "\(looks) lstat calls on inbox files for \(count) drops")
    }

    /// A clock whose sleeps return at once, moving time on, and which runs `onSleep` before each (to play a writer's part).
    final class WriterClock: RunnerClock {
        private let state: Mutex<(now: Date, sleeps: [Int])>
        private let onSleep: @Sendable (Int) -> Void

        init(onSleep: @escaping @Sendable (Int) -> Void) {
            state = Mutex((Date(timeIntervalSince1970: 1_767_225_600), []))
            self.onSleep = onSleep
        }

        func now() -> Date { state.withLock { $0.now } }

        func sleep(for duration: Duration) async throws {
            let count = state.withLock { s in
                s.now = s.now.addingTimeInterval(duration.milliseconds / 1000)
                s.sleeps.append(Int(duration.milliseconds.rounded()))
                return s.sleeps.count
            }
            onSleep(count)
        }

        var sleeps: [Int] { state.withLock { $0.sleeps } }
    }

    /// Item 13: `run --once` does not reject a file its writer is still writing; it looks again and runs it once whole.
    @Test func runOnceHoldsAFileThatDoesNotParseYetAndRunsItOnceWhole() async throws {
        let root = try TemporaryRoot()
        let text = Array(Self.valid.utf8)
        let half = text.count / 2
        let path = root.file("inbox/late.json")
        try Data(text[..<half]).write(to: URL(fileURLWithPath: path))
        // The writer goes on (through its open file, which has moved into the claim folder) during the third look.
        let claimed = root.file("outbox/claimed")
        let clock = WriterClock { count in
            guard count == 3 else { return }
            let folder = (try? FileManager.default.contentsOfDirectory(atPath: claimed))?.first ?? ""
            let file = Path.join(Path.join(claimed, folder), "late.json")
            guard let handle = FileHandle(forWritingAtPath: file) else { return }
            handle.seekToEndOfFile()
            handle.write(Data(text[half...]))
            try? handle.close()
        }
        let summary = try await root.runOnce(clock: clock)
        #expect(summary.outcomes.map(\.kind) == [.finished(.succeeded)], "\(summary.outcomes)")
        #expect(root.list("outbox/rejected").isEmpty)
        #expect(clock.sleeps.allSatisfy { $0 <= HeldClaims.lookEveryMs }, "\(clock.sleeps)")
    }

    /// Item 13: a file that does not parse and stays as it is is rejected after the grace time, not before.
    @Test func runOnceRejectsAStillBrokenFileAfterTheGrace() async throws {
        let root = try TemporaryRoot()
        try root.drop("broken.json", #"{"workflow": "#)
        let clock = InstantClock()
        let summary = try await root.runOnce(clock: clock)
        #expect(summary.outcomes.map(\.kind) == [.rejected(.invalidJSON)])
        let waited = clock.sleeps.reduce(0, +)
        #expect(waited >= HeldClaims.graceMs && waited <= HeldClaims.graceMs + 2 * HeldClaims.lookEveryMs, "\(clock.sleeps)")
        let rejectedAt = root.json("outbox/rejected/broken.json.error.json")?["rejectedAt"]?.stringValue
        #expect(rejectedAt == "2026-01-01T00:00:05.000Z", "\(rejectedAt ?? "nil")")
    }

    /// An old file that does not parse is rejected at once: nothing is writing it.
    @Test func runOnceRejectsAnOldBrokenFileAtOnce() async throws {
        let root = try TemporaryRoot()
        try root.drop("old.json", #"{"workflow": "#)
        let clock = InstantClock()
        try PosixFileSystem().setModified(root.file("inbox/old.json"), to: clock.now().addingTimeInterval(-60))
        let summary = try await root.runOnce(clock: clock)
        #expect(summary.outcomes.map(\.kind) == [.rejected(.invalidJSON)])
        #expect(clock.sleeps.isEmpty, "\(clock.sleeps)")
    }
}
