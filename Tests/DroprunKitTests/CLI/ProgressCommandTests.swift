import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The progress line of `run --once`: on a terminal only, drawn by the clock's ticks, cleared at the end.
@Suite struct ProgressCommandTests {
    static let start = Date(timeIntervalSince1970: 1_796_205_600)
    static let echo = #"{"id": "e", "provider": "echo", "with": {"a": 1}}"#
    static let clear = RunnerLog.clearLine

    func root() throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        return root
    }

    @Test(.timeLimit(.minutes(1)))
    func aTerminalShowsTheLineRefreshedByTheClockAndClearedAtTheEnd() async throws {
        let root = try root()
        try root.drop("a.json", RequestText.make(id: "a", steps: [Self.echo]))
        try root.drop("b.json", RequestText.make(id: "b", steps: [#"{"id": "wait", "provider": "delay", "with": {"ms": 500}}"#]))
        let clock = ManualClock(start: Self.start)
        let out = CapturedOutput()
        let err = CapturedOutput()
        var environment = CLIEnvironment(
            fileSystem: PosixFileSystem(), clock: clock, standardOutput: out, standardError: err, variables: [:],
            workingDirectory: root.path, readStandardInput: { [] }, identity: RunnerIdentity(host: "testhost", pid: 4242))
        environment.isTerminal = { $0 == 2 }
        let world = environment
        let task = Task { await CLI.run(arguments: ["run", "--once"], environment: world) }
        // `a` is done and `b` waits on the clock, and so does the next tick.
        #expect(
            await WatchIntakeTests.eventually(30) {
                out.contents.contains("succeeded a") && clock.pendingSleeps.contains(100) && clock.pendingSleeps.contains(500)
            })
        #expect(err.contents == Self.clear + "droprun: 0 of 2 done, - runs/s, ETA -, 0 failed", "drawn once at the start")
        clock.advance(by: .milliseconds(99))
        clock.advance(by: .milliseconds(1))
        #expect(await WatchIntakeTests.eventually(30) { err.contents.hasSuffix(Self.clear + "droprun: 1 of 2 done, 10.0 runs/s, ETA 1s, 0 failed") })
        #expect(err.contents.components(separatedBy: Self.clear).count == 3, "no draw between two ticks")
        clock.advance(by: .milliseconds(400))
        let code = await task.value
        #expect(code == .success)
        #expect(err.contents.hasSuffix("0 failed" + Self.clear), "cleared at the end: \(err.contents)")
        // Standard output is not the terminal here: its lines are whole, with no control characters.
        #expect(!out.contents.contains("\r") && out.contents.contains("succeeded b"))
    }

    @Test func aPipeOrADumbTerminalShowsNothingOfIt() async throws {
        for (isTerminal, term) in [(false, "xterm"), (true, "dumb")] {
            let root = try root()
            try root.drop("a.json", RequestText.make(id: "a", steps: [Self.echo]))
            var cli = CLITester(root: root.path, clock: ManualClock(start: Self.start), variables: ["TERM": term])
            cli.isTerminal = { _ in isTerminal }
            let result = await cli.run(["run", "--once"])
            #expect(result.code == .success)
            #expect(result.stderr.isEmpty, "\(term): \(result.stderr)")
        }
    }

    @Test func aWarningOnTheTerminalClearsTheLineFirst() async throws {
        let root = try root()
        try root.drop("a.json", RequestText.make(id: "a", steps: [Self.echo]))
        try root.write("outbox/running/broken.json", "{ torn")
        var cli = CLITester(root: root.path, clock: ManualClock(start: Self.start))
        cli.isTerminal = { $0 == 2 }
        let result = await cli.run(["run", "--once", "--quiet"])
        let warning = Self.clear + "2026-12-02T10:00:00.000Z droprun: warning: unreadable record at outbox/running/broken.json"
        #expect(result.stderr.contains(warning), "\(result.stderr)")
        #expect(result.stderr.hasSuffix(Self.clear))
        #expect(result.stdout.isEmpty, "quiet: nothing failed")
    }
}
