import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `droprun` executable that `swift build` / `swift test` built, run as a child process.
///
/// End-to-end tests use it to drive the real program the way cron or an
/// operator would: a fresh process per command, real exit codes, real
/// standard streams. The executable is looked for next to the test bundle
/// (so `swift test --scratch-path X` tests the binary built in `X`), then
/// in `.build/debug` of the package this file belongs to. `DROPRUN_BINARY`
/// overrides both.
public enum BuiltBinary {
    /// Why the executable could not be found or run.
    public enum Failure: Error, CustomStringConvertible {
        /// No `droprun` executable was found; lists where it was looked for.
        case notFound(searched: [String])
        /// The child did not finish in time and was killed.
        case timedOut(arguments: [String], seconds: Double, stdout: String, stderr: String)

        public var description: String {
            switch self {
            case .notFound(let searched):
                return "no built 'droprun' executable found (run 'swift build' first); looked in:\n  " + searched.joined(separator: "\n  ")
            case .timedOut(let arguments, let seconds, let stdout, let stderr):
                return
                    "droprun \(arguments.joined(separator: " ")) did not finish within \(seconds) s and was killed\nstdout:\n\(stdout)\nstderr:\n\(stderr)"
            }
        }
    }

    /// What one finished child process returned.
    public struct Output: Sendable {
        /// The exit status (128 + the signal number when a signal ended it).
        public var code: Int32
        /// Everything it wrote to standard output.
        public var stdout: String
        /// Everything it wrote to standard error.
        public var stderr: String
        /// Wall-clock time from launch to exit, in seconds.
        public var seconds: Double
    }

    /// The default time limit of one child process, in seconds.
    public static let defaultTimeout: Double = 120

    private static let cache = BinaryOutputBox<String?>(nil)

    /// The absolute path of the built `droprun` executable.
    public static func path() throws -> String {
        if let cached = cache.value { return cached }
        var searched: [String] = []
        for folder in candidateFolders() {
            let candidate = URL(fileURLWithPath: folder).appendingPathComponent("droprun").standardizedFileURL.path
            if searched.contains(candidate) { continue }
            searched.append(candidate)
            if isExecutableFile(candidate) {
                cache.value = candidate
                return candidate
            }
        }
        throw Failure.notFound(searched: searched)
    }

    /// Runs `droprun args` (with `--root root` when given) and returns its exit status and output.
    public static func run(
        _ args: [String], root: String?, stdin: String? = nil, environment: [String: String] = [:]
    ) throws -> (code: Int32, stdout: String, stderr: String) {
        let output = try run(args, root: root, stdin: stdin, environment: environment, workingDirectory: nil, timeout: defaultTimeout)
        return (output.code, output.stdout, output.stderr)
    }

    /// Runs `droprun args` with a time limit; throws `Failure.timedOut` (after killing it) when the child takes longer.
    ///
    /// The child's environment is this process's, without `DROPRUN_ROOT`, plus `environment`.
    /// Its working folder is `workingDirectory`, else `root`, else this process's.
    public static func run(
        _ args: [String], root: String?, stdin: String? = nil, environment: [String: String] = [:],
        workingDirectory: String?, timeout: Double
    ) throws -> Output {
        let child = try start(args, root: root, stdin: stdin, environment: environment, workingDirectory: workingDirectory)
        return try child.wait(timeout: timeout)
    }

    /// Starts `droprun args` and returns at once; call `wait(timeout:)` on the result.
    public static func start(
        _ args: [String], root: String?, stdin: String? = nil, environment: [String: String] = [:], workingDirectory: String? = nil
    ) throws -> RunningDroprun {
        var arguments: [String] = []
        if let root { arguments += ["--root", root] }
        arguments += args
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path())
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment
        variables.removeValue(forKey: "DROPRUN_ROOT")
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        if let folder = workingDirectory ?? root, isDirectory(folder) {
            process.currentDirectoryURL = URL(fileURLWithPath: folder)
        }
        return try RunningDroprun(process: process, arguments: args, stdin: stdin)
    }

    // MARK: - Finding the executable

    /// Folders that may hold the executable, best first: those around the running test bundle, then `.build/debug`.
    static func candidateFolders() -> [String] {
        var starts: [URL] = []
        if let override = ProcessInfo.processInfo.environment["DROPRUN_BINARY"], !override.isEmpty {
            starts.append(URL(fileURLWithPath: override).deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            starts.append(bundle.bundleURL.deletingLastPathComponent())
        }
        starts.append(Bundle.main.bundleURL)
        starts.append(Bundle.main.executableURL?.deletingLastPathComponent() ?? Bundle.main.bundleURL)
        if let first = CommandLine.arguments.first, !first.isEmpty {
            let url =
                first.hasPrefix("/")
                ? URL(fileURLWithPath: first)
                : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(first)
            starts.append(url.resolvingSymlinksInPath().deletingLastPathComponent())
            starts.append(url.deletingLastPathComponent())
        }
        var folders: [String] = []
        for start in starts {
            // Walk up: on macOS the test binary sits in `X.xctest/Contents/MacOS/`, on Linux beside `droprun`.
            var url = start.standardizedFileURL
            for _ in 0..<6 {
                folders.append(url.path)
                let parent = url.deletingLastPathComponent()
                if parent.path == url.path { break }
                url = parent
            }
        }
        // Last resort: the package this file belongs to (`Sources/DroprunTestSupport/BuiltBinary.swift`).
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        folders.append(package.appendingPathComponent(".build/debug").path)
        return folders
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    private static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}

/// A `droprun` child process that was started and has not been waited for.
public final class RunningDroprun: @unchecked Sendable {
    private let process: Process
    private let arguments: [String]
    private let started: Date
    private let exited = DispatchSemaphore(value: 0)
    private let readers = DispatchGroup()
    private let stdoutData = BinaryOutputBox(Data())
    private let stderrData = BinaryOutputBox(Data())

    init(process: Process, arguments: [String], stdin: String?) throws {
        self.process = process
        self.arguments = arguments
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let inPipe: Pipe?
        if stdin != nil {
            let pipe = Pipe()
            process.standardInput = pipe
            inPipe = pipe
        } else {
            process.standardInput = FileHandle.nullDevice
            inPipe = nil
        }
        // The child may exit without reading its standard input: take EPIPE, not SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        started = Date()
        try process.run()
        // Both pipes are drained on their own threads while the child runs, so
        // neither can fill up and block it.
        for (pipe, box) in [(outPipe, stdoutData), (errPipe, stderrData)] {
            let handle = pipe.fileHandleForReading
            readers.enter()
            Thread.detachNewThread { [readers] in
                let data = handle.readDataToEndOfFile()
                // Closed here, not left to Foundation: unclosed pipes piled up by the hundred over a test run, pushing
                // descriptors past 1024, where Foundation's select()-based socket manager cannot watch them.
                try? handle.close()
                box.value = data
                readers.leave()
            }
        }
        if let inPipe, let stdin {
            let handle = inPipe.fileHandleForWriting
            let bytes = Data(stdin.utf8)
            Thread.detachNewThread {
                _ = try? handle.write(contentsOf: bytes)
                try? handle.close()
            }
        }
    }

    /// The child's process id.
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Waits for the child to exit and for its output; kills it and throws `BuiltBinary.Failure.timedOut` after `timeout` seconds.
    public func wait(timeout: Double = BuiltBinary.defaultTimeout) throws -> BuiltBinary.Output {
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            _ = exited.wait(timeout: .now() + 10)
            _ = readers.wait(timeout: .now() + 10)
            throw BuiltBinary.Failure.timedOut(
                arguments: arguments, seconds: timeout,
                stdout: String(decoding: stdoutData.value, as: UTF8.self), stderr: String(decoding: stderrData.value, as: UTF8.self))
        }
        let seconds = Date().timeIntervalSince(started)
        _ = readers.wait(timeout: .now() + 30)
        let status = process.terminationStatus
        let code = process.terminationReason == .uncaughtSignal ? 128 + status : status
        return BuiltBinary.Output(
            code: code, stdout: String(decoding: stdoutData.value, as: UTF8.self),
            stderr: String(decoding: stderrData.value, as: UTF8.self), seconds: seconds)
    }
}

/// A value guarded by a lock.
private final class BinaryOutputBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); defer { lock.unlock() }; stored = newValue }
    }
}
