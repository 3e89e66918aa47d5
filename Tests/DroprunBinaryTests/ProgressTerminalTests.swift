import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

extension EndToEndTests {
    /// The progress line of the real `run --once` on a real terminal: a pseudo-terminal made by util-linux `script`.
    ///
    /// Skipped, saying so, where `script` is not installed (Debian: package `bsdutils`).
    @Suite(.serialized) struct ProgressTerminalTests {
        /// `script` from util-linux, if installed.
        static let script: String? = ["/usr/bin/script", "/bin/script"].first { FileManager.default.isExecutableFile(atPath: $0) }

        /// A root with `count` runs of one `delay` step each (`ms`), so a pass lasts several ticks of the line.
        func rootWithSlowRuns(_ count: Int, ms: Int) throws -> TemporaryRoot {
            let root = try makeRoot()
            try root.write("droprun.json", #"{"durability": "fast", "concurrency": 1}"#)
            for i in 0..<count {
                try root.drop("r\(i).json", RequestText.make(id: "r\(i)", steps: [#"{"id": "w", "provider": "delay", "with": {"ms": \#(ms)}}"#]))
            }
            return root
        }

        @Test(.enabled(if: script != nil, "util-linux 'script' is not installed (apt-get install bsdutils): no pseudo-terminal to test on"))
        func aTerminalShowsTheProgressLineAndClearsIt() async throws {
            let root = try rootWithSlowRuns(4, ms: 150)
            let binary = try BuiltBinary.path()
            let script = try #require(Self.script)
            let path = root.path
            // `script` runs the command on a new pseudo-terminal and copies what the terminal showed to its own output.
            let shown = try await blockingWork { () throws -> (Int32, String) in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: script)
                process.arguments = ["-q", "-e", "-c", "'\(binary)' --root '\(path)' run --once", "/dev/null"]
                var variables = ProcessInfo.processInfo.environment
                variables["TERM"] = "xterm"
                process.environment = variables
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = pipe
                process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
                try process.run()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                return (process.terminationStatus, String(decoding: data, as: UTF8.self))
            }
            #expect(shown.0 == 0, "\(shown.1)")
            let clear = "\r\u{1B}[K"
            #expect(shown.1.contains(clear + "droprun: 0 of 4 done"), "\(shown.1.debugDescription)")
            // At least one tick drew the line again while runs went on (each run takes 150 ms; ticks come every 100 ms).
            let draws = shown.1.components(separatedBy: clear + "droprun: ").count - 1
            #expect(draws >= 3, "\(shown.1.debugDescription)")
            #expect(shown.1.contains(" of 4 done, ") && shown.1.contains(" runs/s, ETA "))
            // Cleared before the summary, the last line.
            #expect(shown.1.contains(clear + "\(Timestamp.format(Date()).prefix(4))"), "\(shown.1.debugDescription)")
            #expect(shown.1.contains("4 runs: 4 succeeded, 0 failed"))
        }

        @Test func aPipeShowsNothingOfIt() async throws {
            let root = try rootWithSlowRuns(2, ms: 150)
            let result = try await droprun(["run", "--once"], root)
            #expect(result.code == 0, "\(result)")
            #expect(result.stderr.isEmpty, "\(result.stderr.debugDescription)")
            #expect(!result.stdout.contains("\r") && !result.stdout.contains("done,"))
        }
    }
}
