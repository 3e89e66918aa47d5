import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Every `CLIError` case: its exit code, its `--json` kind and the shape of its message, and that `CLI.run` is
/// the one place that prints it.
@Suite struct CLIErrorTests {
    struct Row: Sendable, CustomStringConvertible {
        var error: CLIError
        var exitCode: ExitCode
        var kind: String
        var message: String
        var description: String { "\(error.kind): \(message)" }
    }

    static let rejection = Rejection(.invalidRequest, [ValidationIssue(JSONPath.root.key("workflow"), "missing"), ValidationIssue(nil, "second")])

    static let rows: [Row] = [
        Row(error: .usage("bad flag"), exitCode: .usage, kind: "usage", message: "bad flag"),
        Row(
            error: .notARoot(root: "/r", fromEnvironment: false, .missing), exitCode: .usage, kind: "usage",
            message: "not a droprun root: /r does not exist (create one with droprun init /r, or pass --root)"),
        Row(
            error: .notARoot(root: "/r", fromEnvironment: true, .notAFolder(.regular)), exitCode: .usage, kind: "usage",
            message: "not a droprun root: /r (from $DROPRUN_ROOT) is a file, not a folder (pass --root DIR)"),
        Row(
            error: .notARoot(root: "/r", fromEnvironment: false, .noInboxOrConfiguration), exitCode: .usage, kind: "usage",
            message: "not a droprun root: /r (create one with droprun init /r, or pass --root)"),
        Row(
            error: .cannotMakeRoot(dir: "/d", .notAFolder(.regular)), exitCode: .usage, kind: "usage",
            message: "cannot make a droprun root at /d: it is a file, not a folder; give a new or existing folder"),
        Row(
            error: .cannotMakeRoot(dir: "/d/e", .ancestorNotAFolder("/d", .symlink)), exitCode: .usage, kind: "usage",
            message: "cannot make a droprun root at /d/e: /d is a symbolic link, not a folder; give a new or existing folder"),
        Row(
            error: .cannotMakeRoot(dir: "/d", .refused(path: "/d/inbox", reason: "permission denied")), exitCode: .failure, kind: "failed",
            message: "cannot make a droprun root at /d: cannot create /d/inbox (permission denied); give a folder you may write to"),
        Row(
            error: .configuration(
                ConfigurationError(file: "/r/droprun.json", issues: [ValidationIssue(JSONPath.root.key("concurrency"), "expected 1...256")])),
            exitCode: .usage, kind: "configuration",
            message:
                "configuration error in /r/droprun.json:\n  $.concurrency: expected 1...256\nFix the key named above; every key of droprun.json is listed in the README."
        ),
        Row(
            error: .configuration(ConfigurationError(file: "/r/droprun.json", issues: [ValidationIssue(nil, "not JSON")])),
            exitCode: .usage, kind: "configuration",
            message:
                "configuration error in /r/droprun.json:\n  not JSON\nFix droprun.json as said above (it must be one JSON object); every key is listed in the README."
        ),
        Row(error: .notFound("no run 'x'"), exitCode: .failure, kind: "not_found", message: "no run 'x'"),
        Row(error: .fileNotFound(path: "/w/r.json"), exitCode: .failure, kind: "not_found", message: "no file '/w/r.json'"),
        Row(
            error: .unusableFile(Rejection(.notRegularFile, "'/w/d' is a folder, not a regular file")), exitCode: .failure, kind: "failed",
            message: "not_regular_file: '/w/d' is a folder, not a regular file"),
        Row(
            error: .tooLarge(bytes: 20, limit: 10), exitCode: .failure, kind: "failed",
            message: "too_large: the request has 20 bytes; the limit (maxRequestBytes) is 10"),
        Row(
            error: .notSubmitted(file: "r.json", rejection), exitCode: .failure, kind: "failed",
            message: "r.json was not submitted: invalid_request\n  $.workflow: missing\n  second"),
        Row(
            error: .duplicateRun(runId: "r", existing: "outbox/results/r.json"), exitCode: .failure, kind: "failed",
            message: "duplicate: run 'r' already exists (outbox/results/r.json); to run it again use 'droprun retry r'"),
        Row(
            error: .alreadyWaiting(inboxName: "r.json"), exitCode: .failure, kind: "failed",
            message: "duplicate: inbox/r.json is already waiting to run"),
        Row(
            error: .fileSystem(FileSystemError("rename", path: "/r/x", code: EACCES)), exitCode: .failure, kind: "file_system",
            message: "file system error: \(FileSystemError("rename", path: "/r/x", code: EACCES))"),
        Row(error: .failed("cannot do it"), exitCode: .failure, kind: "failed", message: "cannot do it"),
        Row(
            error: .unreadableRecord(path: "outbox/running/r.json", runId: "r", reason: "not JSON"), exitCode: .failure, kind: "unreadable_record",
            message:
                "the record of run 'r' is unreadable: outbox/running/r.json: not JSON. Nothing was changed. Look at the file (it should be the JSON record droprun wrote); "
                + "if it is damaged, move it out of outbox/ and submit the kept request (outbox/requests/r.json) again under a new id"),
    ]

    @Test(arguments: rows)
    func eachCaseHasItsExitCodeKindAndMessage(_ row: Row) {
        #expect(row.error.exitCode == row.exitCode)
        #expect(row.error.kind.rawValue == row.kind)
        #expect(row.error.description == row.message)
    }

    @Test func theExitCodeFollowsTheKind() {
        for kind in CLIError.Kind.allCases {
            let rows = Self.rows.filter { $0.error.kind == kind }
            #expect(!rows.isEmpty, "no row of kind \(kind)")
            #expect(Set(rows.map(\.exitCode.rawValue)).count == 1, "\(kind)")
        }
    }

    /// `submit`'s failures go through `CLI.run`: one line prefixed `droprun: `, exit 1, nothing on standard output.
    @Test func submitsRefusalsArePrintedByCLIRun() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        let cli = CLITester(root: root.path)
        try root.write("bad.json", #"{"id": "b", "workflow": {"name": "w", "steps": []}}"#)
        let rejected = await cli.run(["submit", root.path + "/bad.json"])
        #expect(rejected.code == .failure)
        #expect(rejected.stdout.isEmpty)
        #expect(rejected.stderr.hasPrefix("droprun: \(root.path)/bad.json was not submitted: invalid_request\n  $.workflow"), "\(rejected.stderr)")
        try root.write("good.json", RequestText.make(id: "g", steps: [#"{"id": "a", "provider": "echo"}"#]))
        #expect(await cli.run(["submit", root.path + "/good.json"]).code == .success)
        let waiting = await cli.run(["submit", root.path + "/good.json"])
        #expect(waiting.code == .failure)
        #expect(waiting.stderr == "droprun: duplicate: inbox/g.json is already waiting to run\n", "\(waiting.stderr)")
    }
}
