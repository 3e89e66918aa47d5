import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Helpers of the built-binary tests: run `droprun` as a child process and read what it left on disk.

/// Runs the built `droprun` on `root`.
func droprun(_ args: [String], _ root: TemporaryRoot, stdin: String? = nil) async throws -> (code: Int32, stdout: String, stderr: String) {
    let path = root.path
    return try await blockingWork { try BuiltBinary.run(args, root: path, stdin: stdin) }
}

/// `BuiltBinary.run` with a time limit, waited for off the cooperative thread pool.
func binary(
    _ args: [String], root: String?, stdin: String? = nil, environment: [String: String] = [:], workingDirectory: String?, timeout: Double
) async throws -> BuiltBinary.Output {
    try await blockingWork {
        try BuiltBinary.run(args, root: root, stdin: stdin, environment: environment, workingDirectory: workingDirectory, timeout: timeout)
    }
}

/// Waits for a started child off the cooperative thread pool.
func waitFor(_ child: RunningDroprun, timeout: Double) async throws -> BuiltBinary.Output {
    try await blockingWork { try child.wait(timeout: timeout) }
}

/// A request naming the provider `lmm`, which does not exist.
func badProviderRequest(id: String) -> String {
    #"{"id":"\#(id)","workflow":{"name":"w","steps":[{"id":"a","provider":"lmm","with":{"model":"stub-small","prompt":"hi"}}]}}"#
}

/// A root with one finished run (`tamper-me`) and its single audit chain: the file name and its lines.
func auditedRoot() async throws -> (TemporaryRoot, String, [String]) {
    let root = try makeRoot()
    try root.drop(
        "tamper-me.json",
        """
        {"id":"tamper-me","workflow":{"name":"w","steps":[
          {"id":"a","provider":"echo","with":{"x":1}},
          {"id":"b","provider":"artifact","with":{"name":"b.txt","content":"bee"}}]}}
        """)
    let ran = try await droprun(["run", "--once"], root)
    #expect(ran.code == 0)
    let verified = try await droprun(["audit", "verify"], root)
    #expect(verified.code == 0, "the untouched chain must verify: \(verified)")
    let files = allEntries(root.file("outbox/audit")).filter { $0.hasSuffix(".jsonl") }
    let file = try #require(files.count == 1 ? files.first : nil, "expected one audit chain, found \(files)")
    let lines = (text(root.file("outbox/audit/" + file)) ?? "").split(separator: "\n").map(String.init)
    try #require(lines.count >= 5, "expected at least 5 audit events, found \(lines.count)")
    return (root, file, lines)
}

/// Writes lines, each ending in a newline.
func writeLines(_ lines: [String], to path: String) throws {
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
}

/// Checks that `audit verify` fails and names `file` and `line`, in text and JSON.
func expectBrokenChain(_ root: TemporaryRoot, file: String, line: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let textual = try await droprun(["audit", "verify"], root)
    #expect(textual.code == 1, "audit verify passed a damaged chain: \(textual.stdout)", sourceLocation: sourceLocation)
    let message = textual.stdout + textual.stderr
    #expect(message.contains(file), "the message does not name the file \(file): \(message)", sourceLocation: sourceLocation)
    #expect(
        message.contains("\(file):\(line)") || message.contains("line \(line)"), "the message does not name line \(line): \(message)",
        sourceLocation: sourceLocation)

    let json = try await droprun(["audit", "verify", "--json"], root)
    #expect(json.code == 1, sourceLocation: sourceLocation)
    let report = try #require(parse(json.stdout), "audit verify --json is not JSON: \(json.stdout)", sourceLocation: sourceLocation)
    #expect(report["ok"]?.boolValue == false, sourceLocation: sourceLocation)
    let problem = report["problems"]?.arrayValue?.first { $0["file"]?.stringValue?.hasSuffix(file) == true }
    #expect(problem?["line"]?.intValue == line, "problems: \(String(describing: report["problems"]))", sourceLocation: sourceLocation)
}

/// Every audit event of the root, parsed, in file then line order.
func auditEvents(_ root: TemporaryRoot) -> [JSONValue] {
    allEntries(root.file("outbox/audit")).filter { $0.hasSuffix(".jsonl") }.flatMap { name in
        (text(root.file("outbox/audit/" + name)) ?? "").split(separator: "\n").compactMap { parse(String($0)) }
    }
}

func parse(_ text: String) -> JSONValue? { try? JSONParser.parse(Array(text.utf8)) }

func bytes(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }

func text(_ path: String) -> String? { bytes(path).map { String(decoding: $0, as: UTF8.self) } }

func json(_ path: String) -> JSONValue? { bytes(path).flatMap { try? JSONParser.parse($0) } }

/// Every name in a folder, hidden ones included, sorted; empty when it does not exist.
func allEntries(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}

func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

/// The `S_IFMT` bits of what is at `path` (links not followed); 0 when nothing is there.
func fileType(_ path: String) -> mode_t {
    var st = stat()
    return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0
}

/// RFC 3339 UTC with milliseconds: `2026-11-22T10:00:00.123Z`.
func isTimestamp(_ value: JSONValue?) -> Bool {
    guard let s = value?.stringValue else { return false }
    return s.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z/) != nil
}

/// The value with every RFC 3339 time and every `durationMs` replaced by a placeholder.
func withoutTimes(_ value: JSONValue) -> JSONValue {
    switch value {
    case .string where isTimestamp(value): return .string("<time>")
    case .array(let items): return .array(items.map(withoutTimes))
    case .object(let members):
        return .object(
            Dictionary(
                uniqueKeysWithValues: members.map { key, member in
                    (key, key == "durationMs" && member != .null ? JSONValue.string("<duration>") : withoutTimes(member))
                }))
    default: return value
    }
}

/// 64 lowercase hex digits.
func isHash(_ value: JSONValue?) -> Bool {
    guard let s = value?.stringValue else { return false }
    return s.wholeMatch(of: /[0-9a-f]{64}/) != nil
}
