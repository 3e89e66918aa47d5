import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--help`, `-h` and `--version` on every command, in-process.
@Suite struct HelpOutputTests {
    /// Every command of the contract (section 10), not only those the parser knows today.
    @Test(arguments: [
        ["init"], ["watch"], ["run"], ["submit"], ["validate"], ["status"], ["list"], ["show"], ["artifacts"],
        ["approve"], ["reject"], ["cancel"], ["retry"], ["audit"], ["audit", "verify"],
        ["fixtures"], ["fixtures", "verify"], ["fixtures", "record"], ["providers"],
    ])
    func helpWorksOnEveryCommand(_ command: [String]) async throws {
        let root = try makeRoot()
        for flag in ["--help", "-h"] {
            let result = try await droprun(command + [flag], root)
            #expect(result.code == 0, "\(command) \(flag): \(result)")
            #expect(result.stdout.lowercased().contains("usage"), "\(command) \(flag) printed no usage: \(result.stdout)")
            #expect(
                result.stdout.contains("droprun " + command.joined(separator: " ")),
                "help for '\(command.joined(separator: " "))' does not describe that command: \(result.stdout.prefix(200))")
        }
    }

    @Test func rootHelpAndVersion() async throws {
        let root = try makeRoot()
        let help = try await droprun(["--help"], root)
        #expect(help.code == 0 && help.stdout.lowercased().contains("usage"))
        let version = try await droprun(["--version"], root)
        #expect(version.code == 0 && !version.stdout.isEmpty)
    }

    /// Output for a terminal ends with a newline, so the shell prompt starts on its own line.
    @Test(arguments: [["--help"], ["list", "--help"], ["audit", "verify", "--json"], ["list", "--json"]])
    func outputEndsWithANewline(_ command: [String]) async throws {
        let root = try makeRoot()
        let result = try await droprun(command, root)
        #expect(result.code == 0)
        #expect(
            result.stdout.hasSuffix("\n"),
            "'droprun \(command.joined(separator: " "))' output does not end with a newline: …\(result.stdout.suffix(40).debugDescription)")
    }
}
