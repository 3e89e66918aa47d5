import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// The built binary in its role of exec shim, started by hand (bash's `exec -a` sets its `argv[0]`).
@Suite struct ExecShimTests {
    /// Runs `line` with bash; returns its exit status and standard output.
    func bash(_ line: String, arguments: [String]) async throws -> (Int32, String) {
        try await blockingWork {
            let process = Foundation.Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", line, "bash"] + arguments
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    @Test func aShimThatGivesUpSaysWhyThroughItsReport() async throws {
        let root = try TemporaryRoot()
        let report = root.file("report")
        // Parent 1 is not the process that started it: it gives up before the command, and says so on descriptor 4.
        let (code, _) = try await bash(
            #"exec -a droprun-exec-shim "$1" 1 /bin/true /bin/true 3</dev/zero 4>"$2""#,
            arguments: [try BuiltBinary.path(), report])
        #expect(code != 0)
        let bytes = try #require(try? PosixFileSystem().readFile(report))
        try #require(bytes.count == 4, "nothing reported: the runner would show the shim's exit status as the command's")
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        #expect(ExecShim.Abandonment(rawValue: value) == .parentChanged)
        #expect(ExecShim.GaveUp(reason: .parentChanged, path: "/bin/true").description.contains("runner gone"))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fd"), "reads /proc"))
    func theCommandGetsNoDescriptorButItsStandardStreams() async throws {
        let root = try TemporaryRoot()
        try root.write("fds.py", PosixProcessLauncherTests.descriptorLister)
        chmod(root.file("fds.py"), 0o755)
        // Descriptors the runner inherited (7, 251) and the shim's own (3, 4) never reach the command.
        let (code, out) = try await bash(
            #"exec 7</dev/null 251</dev/null; exec -a droprun-exec-shim "$1" $PPID "$2" "$2" 3</dev/zero 4>/dev/null"#,
            arguments: [try BuiltBinary.path(), root.file("fds.py")])
        #expect(code == 0)
        #expect(out == "{\"fds\": [0, 1, 2]}\n")
    }
}
