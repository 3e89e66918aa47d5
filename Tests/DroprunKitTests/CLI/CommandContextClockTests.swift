import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The command line's engine takes its time from the environment's clock, warnings included.
@Suite struct CommandContextClockTests {
    @Test func theWarningsOfACommandUseTheEnvironmentsClock() throws {
        let root = try TemporaryRoot()
        let clock = ManualClock(start: Date(timeIntervalSince1970: 1_000_000))
        let environment = CLIEnvironment(
            fileSystem: PosixFileSystem(), clock: clock, standardOutput: CapturedOutput(), standardError: CapturedOutput(),
            variables: [:], workingDirectory: root.path, readStandardInput: { [] }, identity: RunnerIdentity(host: "testhost", pid: 4242))
        let context = CommandContext(environment: environment, parsed: ParsedCommand())
        let engine = context.engine(Configuration())
        defer { engine.audit.close() }
        #expect(engine.warnings.log?.now == clock.now())
        clock.advance(by: .seconds(90))
        #expect(engine.warnings.log?.now == Date(timeIntervalSince1970: 1_000_090))
    }
}
