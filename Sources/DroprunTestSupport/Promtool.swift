import Foundation

/// Prometheus's own checker, `promtool check metrics` (Debian package `prometheus`), when it is installed.
public enum Promtool {
    /// `promtool` on `PATH`, or nil where it is not installed (tests that need it are then skipped, and say so).
    public static let path: String? = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return folders.map { String($0) + "/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Feeds `text` to `promtool check metrics`: its exit status (0 clean, 3 lint problems, 1 a parse error) and what it said.
    public static func check(_ text: String) async throws -> (code: Int32, output: String) {
        guard let path else { return (127, "promtool not found") }
        return try await blockingWork {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["check", "metrics"]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            try process.run()
            input.fileHandleForWriting.write(Data(text.utf8))
            try input.fileHandleForWriting.close()
            let said = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: said, as: UTF8.self))
        }
    }
}
