import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

@Suite struct CLITests {
    static let hello = RequestText.make(
        id: "hello",
        steps: [
            #"{"id": "greet", "provider": "template", "with": {"template": "Hi {{input.name}}"}}"#,
            #"{"id": "save", "provider": "artifact", "with": {"name": "out.txt", "content": "{{steps.greet.output.text}}"}}"#,
        ], input: #"{"name": "Ada"}"#)

    func ready() throws -> (TemporaryRoot, CLITester) {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        return (root, CLITester(root: root.path))
    }

    @Test(arguments: [
        (["stauts", "x"], "unknown command 'stauts'", "did you mean 'status'?"),
        (["list", "--limt", "3"], "unknown option '--limt'", "did you mean '--limit'?"),
        (["status"], "missing argument", "RUN_ID"),
        (["run"], "needs --once", "droprun run --help"),
        (["list", "--limit", "x"], "--limit", "x"),
        (["list", "--status", "succeded"], "invalid value 'succeded' for '--status'", "did you mean 'succeeded'?"),
        (["status", "../etc"], "is not a run id", "letter or digit"),
        (["run", "--once", "--durability", "slow"], "--durability", "'strict' or 'fast'"),
    ])
    func usageErrorsExitTwoAndSayWhatToFix(_ arguments: [String], _ first: String, _ second: String) async throws {
        let (root, cli) = try ready()
        let result = await cli.run(arguments)
        #expect(result.code == .usage)
        #expect(result.stderr.contains(first), "\(result.stderr)")
        #expect(result.stderr.localizedCaseInsensitiveContains(second), "\(result.stderr)")
        withExtendedLifetime(root) {}
    }

    @Test(arguments: [
        (#"{"concurency": 2}"#, "$.concurency", "did you mean 'concurrency'?"),
        (#"{"durability": "safe"}"#, "$.durability", "'strict'"),
        (#"{"defaults": {"stepTimeoutMs": "10"}}"#, "$.defaults.stepTimeoutMs", "expected a whole number"),
        (#"{"pollIntervalMs": 1.5}"#, "$.pollIntervalMs", "whole number"),
        (#"{"providers": {"exec": {"commands": {"wc": {"path": "wc"}}}}}"#, "$.providers.exec.commands.wc.path", "absolute path"),
        ("{ not json", "droprun.json", "not valid JSON"),
    ])
    func configurationErrorsExitTwoNamingTheKey(_ config: String, _ key: String, _ detail: String) async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", config)
        let result = await CLITester(root: root.path).run(["run", "--once"])
        #expect(result.code == .usage)
        #expect(result.stderr.contains(key), "\(result.stderr)")
        #expect(result.stderr.contains(detail), "\(result.stderr)")
    }

    @Test func missingRootIsAUsageError() async throws {
        let result = await CLITester(root: "/").run(["--root", "/nonexistent/droprun", "list"])
        #expect(result.code == .usage)
        #expect(result.stderr.contains("droprun init"))
    }

    @Test func rootComesFromFlagThenEnvironmentThenWorkingFolder() async throws {
        let (root, _) = try ready()
        try root.drop("hello.json", Self.hello)
        let viaEnvironment = await CLITester(root: "/", variables: ["DROPRUN_ROOT": root.path]).run(["list"])
        #expect(viaEnvironment.stdout.contains("hello"))
        let viaFlag = await CLITester(root: "/", variables: ["DROPRUN_ROOT": "/nowhere"]).run(["list", "--root", root.path])
        #expect(viaFlag.stdout.contains("hello"))
    }

    @Test func helpWorksOnEveryCommand() async throws {
        let (root, cli) = try ready()
        defer { withExtendedLifetime(root) {} }
        for command in CommandTable.root.subcommands {
            let result = await cli.run([command.name, "--help"])
            #expect(result.code == .success)
            #expect(result.stdout.contains("Usage: droprun \(command.name)"), "\(command.name): \(result.stdout)")
        }
        let verify = await cli.run(["audit", "verify", "--help"])
        #expect(verify.stdout.contains("Usage: droprun audit verify"))
        let top = await cli.run(["--help"])
        #expect(top.stdout.contains("submit"))
        // Without a command it is a usage error: the same list, on standard error, exit 2.
        let bare = await cli.run([])
        #expect(bare.code == .usage)
        #expect(bare.stderr.contains("submit"))
    }

    @Test func submitRunShowStatusListArtifactsAudit() async throws {
        let (root, cli) = try ready()
        try root.write("req.json", Self.hello)
        let submitted = await cli.run(["submit", "req.json"])
        #expect(submitted.code == .success)
        #expect(submitted.stdout == "hello\n")
        #expect(root.list("inbox") == ["hello.json"])
        let queued = await cli.run(["status", "hello"])
        #expect(queued.stdout.contains("queued"))

        let ran = await cli.run(["run", "--once"])
        #expect(ran.code == .success, "\(ran.stdout)\(ran.stderr)")
        #expect(ran.stdout.contains("succeeded hello"))

        let status = await cli.run(["status", "hello", "--json"])
        #expect(try JSONParser.parse(status.stdout)["status"] == "succeeded")
        let show = await cli.run(["show", "hello"])
        #expect(show.stdout.contains("greet"))
        #expect(show.stdout.contains("artifacts/hello/out.txt"))
        let showJSON = await cli.run(["show", "hello", "--json"])
        #expect(try JSONParser.parse(showJSON.stdout)["output"]?["size"] == 6)
        let list = await cli.run(["list", "--status", "succeeded", "--json"])
        #expect(try JSONParser.parse(list.stdout).arrayValue?.count == 1)
        let none = await cli.run(["list", "--status", "failed"])
        #expect(none.stdout.contains("no runs"))
        let artifacts = await cli.run(["artifacts", "hello", "--json"])
        #expect(try JSONParser.parse(artifacts.stdout).arrayValue?.first?["name"] == "out.txt")
        let audit = await cli.run(["audit", "hello"])
        #expect(audit.stdout.contains("run.succeeded"))
        let verify = await cli.run(["audit", "verify"])
        #expect(verify.code == .success)
        #expect(verify.stdout.contains("intact"))
    }

    @Test func listShowsRunsThatOnlyAClaimOrARecordBeingTakenOverStandsFor() async throws {
        let (root, cli) = try ready()
        try root.drop("hello.json", Self.hello)
        #expect(await cli.run(["run", "--once"]).code == .success)
        // A killed runner's claim of a run of instant steps, and a run's record another runner is taking over.
        try root.write("outbox/claimed/host-1-iabc/quick.json", Self.hello.replacingOccurrences(of: "hello", with: "quick"))
        let record = try #require(root.read("outbox/results/hello.json"))
        let moving = record.replacingOccurrences(of: #""runId": "hello""#, with: #""runId": "moving""#)
            .replacingOccurrences(of: #""status": "succeeded""#, with: #""status": "running""#)
        try root.write("outbox/claimed/host-2-idef/moving" + RootLayout.takeoverSuffix, moving)
        // A claim whose run has its record already is not listed twice.
        try root.write("outbox/claimed/host-1-iabc/hello.json", record)

        let list = await cli.run(["list", "--json"])
        let rows = try #require(try JSONParser.parse(list.stdout).arrayValue)
        let statuses = Dictionary(
            rows.map { ($0["runId"]?.stringValue ?? "", $0["status"]?.stringValue ?? "") }, uniquingKeysWith: { a, _ in a + "+dup" })
        #expect(statuses == ["quick": "queued", "moving": "running", "hello": "succeeded"])
        let queued = await cli.run(["list", "--status", "queued"])
        #expect(queued.stdout.contains("quick") && !queued.stdout.contains("hello"))
    }

    @Test func submitRefusesInvalidAndDuplicateRequests() async throws {
        let (root, cli) = try ready()
        try root.write("bad.json", #"{"workflow": {"name": "w", "steps": [{"id": "a", "provider": "lmm"}]}}"#)
        let bad = await cli.run(["submit", "bad.json"])
        #expect(bad.code == .failure)
        #expect(bad.stderr.contains("$.workflow.steps[0].provider"))
        #expect(bad.stderr.contains("did you mean 'llm'?"))
        #expect(root.list("inbox").isEmpty)

        try root.write("req.json", Self.hello)
        #expect(await cli.run(["submit", "req.json"]).code == .success)
        let again = await cli.run(["submit", "req.json"])
        #expect(again.code == .failure)
        #expect(again.stderr.contains("already waiting"))
        _ = await cli.run(["run", "--once"])
        let afterRun = await cli.run(["submit", "req.json"])
        #expect(afterRun.code == .failure)
        #expect(afterRun.stderr.contains("duplicate"))

        let missing = await cli.run(["submit", "nope.json"])
        #expect(missing.code == .failure)
        #expect(missing.stderr.contains("no file"))
    }

    @Test func submitFromStandardInputNamesTheRun() async throws {
        let (root, cli) = try ready()
        let noID = RequestText.make(steps: [#"{"id": "a", "provider": "echo", "with": {}}"#])
        let result = await cli.run(["submit", "-"], stdin: noID)
        #expect(result.code == .success)
        let runId = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(runId.hasPrefix("submitted-"))
        #expect(root.list("inbox") == [runId + ".json"])
    }

    @Test func validateReportsEachFile() async throws {
        let (root, cli) = try ready()
        try root.write("good.json", Self.hello)
        try root.write("bad.json", #"{"workflow": {"name": "w", "steps": []}}"#)
        let result = await cli.run(["validate", "good.json", "bad.json"])
        #expect(result.code == .failure)
        #expect(result.stdout.contains("ok       good.json"))
        #expect(result.stdout.contains("$.workflow.steps: a workflow needs at least one step"))
        let json = await cli.run(["validate", "good.json", "--json"])
        #expect(json.code == .success)
        #expect(try JSONParser.parse(json.stdout).arrayValue?.first?["valid"] == true)
    }

    @Test func readingCommandsOnUnknownRunsExitOne() async throws {
        let (root, cli) = try ready()
        defer { withExtendedLifetime(root) {} }
        for command in ["status", "show", "artifacts", "audit"] {
            let result = await cli.run([command, "ghost"])
            #expect(result.code == .failure, "\(command)")
            #expect(result.stderr.contains("ghost"), "\(command): \(result.stderr)")
        }
    }

    @Test func runOnceExitsOneWhenSomethingFailedOrWasRejected() async throws {
        let (root, cli) = try ready()
        try root.drop("ok.json", Self.hello)
        try root.drop("broken.json", "[")
        let result = await cli.run(["run", "--once"])
        #expect(result.code == .failure)
        #expect(result.stdout.contains("rejected  broken.json: invalid_json"))
        #expect(result.stdout.contains("1 succeeded"))
        let empty = await cli.run(["run", "--once"])
        #expect(empty.code == .success)
        #expect(empty.stdout.contains("0 runs"))
    }

    @Test func auditVerifyExitsOneOnDamage() async throws {
        let (root, cli) = try ready()
        try root.drop("ok.json", Self.hello)
        _ = await cli.run(["run", "--once"])
        let file = try #require(root.list("outbox/audit").first)
        let path = root.file("outbox/audit/" + file)
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"greet\"", with: "\"GREET\"")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let result = await cli.run(["audit", "verify"])
        #expect(result.code == .failure)
        #expect(result.stdout.contains("outbox/audit/\(file):"))
    }

    @Test func initCreatesARootAndKeepsExistingFiles() async throws {
        let root = try TemporaryRoot(initialized: false)
        try root.write("target/droprun.json", #"{"concurrency": 2}"#)
        let result = await CLITester(root: root.path).run(["init", "target"])
        #expect(result.code == .success)
        for folder in ["inbox", "outbox/results", "outbox/running", "outbox/requests", "outbox/rejected", "outbox/audit", "artifacts"] {
            #expect(root.exists("target/" + folder), "\(folder)")
        }
        #expect(root.read("target/droprun.json") == #"{"concurrency": 2}"#)
        #expect(root.exists("target/example-request.json"))
        let validate = await CLITester(root: root.file("target")).run(["validate", "example-request.json"])
        #expect(validate.code == .success, "\(validate.stdout)")
    }

    @Test func aNewRootHasABuiltEmptyIndexSoStatsAndListDoNotWarn() async throws {
        let root = try TemporaryRoot(initialized: false)
        #expect(await CLITester(root: root.path).run(["init", "fresh"]).code == .success)
        #expect(root.exists("fresh/outbox/index/.built"))
        let stats = await CLITester(root: root.file("fresh")).run(["stats"])
        #expect(stats.code == .success && stats.stderr.isEmpty, "\(stats)")
        #expect(stats.stdout.contains("from the history index"), "\(stats.stdout)")
    }

    @Test func initOnARootWithResultsLeavesTheIndexToItsNextRunner() async throws {
        let root = try TemporaryRoot(initialized: false)
        try root.write("old/outbox/results/x.json", "{}")
        #expect(await CLITester(root: root.path).run(["init", "old"]).code == .success)
        #expect(!root.exists("old/outbox/index/.built"), "a root with results is indexed by a runner (or reindex), never marked empty")
    }
}
