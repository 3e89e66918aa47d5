import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// The built binary run as other users on a group-shared inbox: a file another user dropped never stops the runner or
/// strands the others of its round.
@Suite(.serialized) struct SharedInboxBinaryTests {
    func echo(_ n: Int) -> String { RequestText.make(steps: [#"{"id": "a", "provider": "echo", "with": {"n": \#(n)}}"#]) }

    /// The program that runs a command as another user.
    static let setpriv = "/usr/bin/setpriv"

    /// Root (to own files as others) and `setpriv`: without them the tests below show as skipped, with the reason.
    static var canActAsOtherUsers: Bool { geteuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv) }

    /// A temporary folder holding a copy of the built binary (`bin`, where another user may read it) and the path of
    /// the root to make in it (`root`, not created yet).
    static func rootForAnotherUser() throws -> (base: TemporaryRoot, bin: String, root: String) {
        let base = try TemporaryRoot()
        let bin = base.file("bin/droprun")
        try FileManager.default.createDirectory(atPath: base.file("bin"), withIntermediateDirectories: true)
        try copyExecutable(try BuiltBinary.path(), to: bin)
        return (base, bin, base.file("root"))
    }

    /// Copies an executable through a close-on-exec descriptor: a child another test spawns meanwhile must not inherit
    /// the copy open for writing, or running the copy fails with ETXTBSY (exit 126 from `setpriv`) while that child lives.
    static func copyExecutable(_ source: String, to destination: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                offset += n
            }
        }
    }

    /// The issue's setting: a group-shared inbox, a file owned by another user, the runner a user of its own.
    /// Needs root (to own files as others) and `setpriv`; skipped, with the reason, otherwise.
    @Test(.enabled(if: Self.canActAsOtherUsers, "needs root and /usr/bin/setpriv to act as other users"))
    func aFileAnotherUserDroppedRunsWithTheBuiltBinaryAndStrandsNothing() async throws {
        let setpriv = Self.setpriv
        let runner: uid_t = 65534
        let dropper: uid_t = 65533
        let (base, bin, root) = try Self.rootForAnotherUser()
        for folder in ["inbox", "outbox"] {
            try FileManager.default.createDirectory(atPath: Path.join(root, folder), withIntermediateDirectories: true)
        }
        try base.write("root/droprun.json", #"{"durability": "strict"}"#)
        try base.write("root/inbox/foreign.json", echo(1))
        try base.write("root/inbox/mine.json", echo(2))
        for path in [base.path, base.file("bin"), bin, root, Path.join(root, "inbox"), Path.join(root, "outbox"), Path.join(root, "droprun.json")] {
            #expect(chown(path, runner, runner) == 0)
        }
        #expect(chmod(base.path, 0o755) == 0)
        #expect(chmod(Path.join(root, "inbox"), 0o2775) == 0, "group-shared, setgid")
        #expect(chown(Path.join(root, "inbox/mine.json"), runner, runner) == 0)
        #expect(chown(Path.join(root, "inbox/foreign.json"), dropper, runner) == 0)
        #expect(chmod(Path.join(root, "inbox/foreign.json"), 0o644) == 0)
        let dropped = try #require(base.read("root/inbox/foreign.json"))

        let output = try await blockingWork {
            try Self.run(setpriv, ["--reuid=\(runner)", "--regid=\(runner)", "--clear-groups", "--", bin, "run", "--once", "--root", root])
        }
        #expect(output.code == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("succeeded foreign") && output.stdout.contains("succeeded mine"), "\(output.stdout)\(output.stderr)")
        #expect(base.json("root/outbox/results/foreign.json")?["status"] == "succeeded")
        #expect(base.json("root/outbox/results/mine.json")?["status"] == "succeeded")
        #expect(base.read("root/outbox/requests/foreign.json") == dropped)
        var info = stat()
        #expect(
            stat(Path.join(root, "outbox/requests/foreign.json"), &info) == 0 && info.st_uid == runner, "the kept request is the runner's own copy")
        let claims = (try? FileManager.default.subpathsOfDirectory(atPath: Path.join(root, "outbox/claimed"))) ?? []
        #expect(claims.allSatisfy { !$0.hasSuffix(".json") }, "nothing stranded: \(claims)")
    }

    /// A sticky inbox the runner does not own: another user's file cannot be moved out of it. It stays, a line says why
    /// (and what to change), `run --once` exits 1, and the runner's own file runs.
    @Test(.enabled(if: Self.canActAsOtherUsers, "needs root and /usr/bin/setpriv to act as other users"))
    func aFileInAStickyInboxTheRunnerDoesNotOwnIsReportedNotSkippedInSilence() async throws {
        let setpriv = Self.setpriv
        let runner: uid_t = 65534
        let (base, bin, root) = try Self.rootForAnotherUser()
        try FileManager.default.createDirectory(atPath: Path.join(root, "outbox"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: Path.join(root, "inbox"), withIntermediateDirectories: true)
        try base.write("root/droprun.json", #"{"durability": "fast"}"#)
        try base.write("root/inbox/foreign.json", echo(1))
        try base.write("root/inbox/mine.json", echo(2))
        for path in [
            base.path, base.file("bin"), bin, root, Path.join(root, "outbox"), Path.join(root, "droprun.json"), Path.join(root, "inbox/mine.json"),
        ] {
            #expect(chown(path, runner, runner) == 0)
        }
        #expect(chown(Path.join(root, "inbox/foreign.json"), 65533, runner) == 0)
        #expect(chown(Path.join(root, "inbox"), 0, runner) == 0, "owned by root, shared with the runner's group")
        #expect(chmod(base.path, 0o755) == 0)
        #expect(chmod(Path.join(root, "inbox"), 0o3775) == 0, "group-writable, setgid, sticky")
        let output = try await blockingWork {
            try Self.run(setpriv, ["--reuid=\(runner)", "--regid=\(runner)", "--clear-groups", "--", bin, "run", "--once", "--root", root])
        }
        #expect(output.code == 1, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("deferred  foreign.json: cannot take it from the inbox"), "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("let the runner's user own the inbox"), "\(output.stdout)")
        #expect(output.stdout.contains("succeeded mine"), "\(output.stdout)")
        #expect(base.exists("root/inbox/foreign.json"), "left where it was")
    }

    /// `watch`, as its own user, while `outbox/requests/` refuses every reservation: it says so, goes on, and once the
    /// folder is writable again takes both files up (another user's among them) without a restart.
    @Test(.enabled(if: Self.canActAsOtherUsers, "needs root and /usr/bin/setpriv to act as other users"))
    func watchGoesOnWhenFilesCannotBeAdmittedAndTakesThemUpLater() async throws {
        let setpriv = Self.setpriv
        let runner: uid_t = 65534
        let (base, bin, root) = try Self.rootForAnotherUser()
        let requests = Path.join(root, "outbox/requests")
        try FileManager.default.createDirectory(atPath: requests, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: Path.join(root, "inbox"), withIntermediateDirectories: true)
        try base.write("root/droprun.json", #"{"durability": "fast", "leaseSeconds": 3, "pollIntervalMs": 50}"#)
        try base.write("root/inbox/foreign.json", echo(1))
        try base.write("root/inbox/mine.json", echo(2))
        for path in [
            base.path, base.file("bin"), bin, root, Path.join(root, "inbox"), Path.join(root, "outbox"), requests,
            Path.join(root, "droprun.json"), Path.join(root, "inbox/mine.json"),
        ] {
            #expect(chown(path, runner, runner) == 0)
        }
        #expect(chown(Path.join(root, "inbox/foreign.json"), 65533, runner) == 0)
        #expect(chmod(base.path, 0o755) == 0)
        #expect(chmod(Path.join(root, "inbox"), 0o2775) == 0)
        #expect(chmod(requests, 0o555) == 0, "no reservation can be made for now")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments = ["--reuid=\(runner)", "--regid=\(runner)", "--clear-groups", "--", bin, "watch", "--root", root]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        func waitFor(_ what: String, seconds: Double, _ done: () -> Bool) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while !done() {
                guard Date() < deadline, process.isRunning else {
                    Issue.record("\(what) did not happen within \(seconds) s (watch running: \(process.isRunning))")
                    return
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let claims = Path.join(root, "outbox/claimed")
        try await waitFor("both files claimed", seconds: 20) {
            ((try? FileManager.default.subpathsOfDirectory(atPath: claims)) ?? []).filter { $0.hasSuffix(".json") }.count == 2
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(process.isRunning, "watch goes on")
        #expect(chmod(requests, 0o755) == 0)
        try await waitFor("both results", seconds: 30) {
            base.exists("root/outbox/results/foreign.json") && base.exists("root/outbox/results/mine.json")
        }
        kill(process.processIdentifier, SIGTERM)
        let printed = try await blockingWork { String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(printed)")
        #expect(printed.contains("deferred  foreign.json: ") && printed.contains("deferred  mine.json: "), "\(printed)")
        #expect(printed.contains("succeeded foreign") && printed.contains("succeeded mine"), "\(printed)")
        #expect(base.json("root/outbox/results/foreign.json")?["status"] == "succeeded")
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (code: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
