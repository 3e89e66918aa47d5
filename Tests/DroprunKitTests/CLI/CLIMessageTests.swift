import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Item 10: the smaller things a new user hit, each as the message or exit code they should have seen.
@Suite struct CLIMessageTests {
    func ready() throws -> (TemporaryRoot, CLITester) {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        return (root, CLITester(root: root.path))
    }

    @Test(arguments: [[], ["--root", "/tmp"], ["fixtures"]])
    func aMissingCommandIsAUsageError(_ arguments: [String]) async throws {
        let result = await CLITester(root: "/").run(arguments)
        #expect(result.code == .usage)
        #expect(result.stderr.contains("Usage: droprun"), "\(result.stderr)")
        #expect(result.stderr.contains("missing command"), "\(result.stderr)")
        let help = await CLITester(root: "/").run(arguments + ["--help"])
        #expect(help.code == .success)
        #expect(help.stdout.contains("Usage: droprun"))
    }

    @Test func initOfAFileSaysItIsNotAFolder() async throws {
        let (root, cli) = try ready()
        try root.write("notes.txt", "hello")
        let result = await cli.run(["init", "notes.txt"])
        #expect(result.code == .usage)
        #expect(result.stderr.contains("notes.txt: it is a file, not a folder"), "\(result.stderr)")
        #expect(!result.stderr.contains("mkdir"), "\(result.stderr)")
        #expect(root.read("notes.txt") == "hello")
    }

    /// `--json` consumers get a JSON error on standard output when the command fails.
    @Test(arguments: [["status", "ghost", "--json"], ["show", "ghost", "--json"], ["artifacts", "ghost", "--json"], ["audit", "ghost", "--json"]])
    func jsonCommandsPrintAJSONErrorOnStandardOutput(_ arguments: [String]) async throws {
        let (root, cli) = try ready()
        defer { withExtendedLifetime(root) {} }
        let result = await cli.run(arguments)
        #expect(result.code == .failure)
        let json = try JSONParser.parse(result.stdout)
        #expect(json["error"]?["code"] == "not_found", "\(result.stdout)")
        #expect(json["error"]?["message"]?.stringValue?.contains("ghost") == true, "\(result.stdout)")
        #expect(result.stderr.contains("ghost"))
    }

    @Test(arguments: [
        ("{ not json", "Fix droprun.json as said above", "Fix the key named above"),
        (#"{"concurency": 2}"#, "Fix the key named above", "Fix droprun.json as said above"),
    ])
    func aConfigurationErrorPointsAtAKeyOnlyWhenItNamesOne(_ config: String, _ wanted: String, _ unwanted: String) async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", config)
        let result = await CLITester(root: root.path).run(["run", "--once"])
        #expect(result.code == .usage)
        #expect(result.stderr.contains(wanted), "\(result.stderr)")
        #expect(!result.stderr.contains(unwanted), "\(result.stderr)")
    }

    @Test func aMistypedNamedWorkflowGetsDidYouMean() async throws {
        let (root, cli) = try ready()
        try root.write("workflows/release.json", #"{"name": "release", "steps": [{"id": "a", "provider": "echo", "with": {}}]}"#)
        try root.write("req.json", #"{"id": "r", "workflow": "relase"}"#)
        let result = await cli.run(["validate", "req.json"])
        #expect(result.code == .failure)
        #expect(result.stdout.contains("no workflow named 'relase'"), "\(result.stdout)")
        #expect(result.stdout.contains("did you mean 'release'?"), "\(result.stdout)")
    }

    @Test func validateChecksAWorkflowFileOnItsOwn() async throws {
        let (root, cli) = try ready()
        try root.write("workflows/good.json", #"{"name": "good", "steps": [{"id": "a", "provider": "echo", "with": {}}]}"#)
        try root.write("workflows/bad.json", #"{"name": "bad", "steps": [{"id": "a", "provider": "lmm"}]}"#)
        let good = await cli.run(["validate", "--workflow", "workflows/good.json"])
        #expect(good.code == .success, "\(good.stdout)")
        #expect(good.stdout.contains("workflow 'good', 1 step"), "\(good.stdout)")
        let bad = await cli.run(["validate", "--workflow", "workflows/bad.json"])
        #expect(bad.code == .failure)
        #expect(bad.stdout.contains("$.steps[0].provider: unknown provider 'lmm'"), "\(bad.stdout)")
        // Given as a request, a workflow file is invalid, with a hint to the right check.
        let asRequest = await cli.run(["validate", "workflows/good.json"])
        #expect(asRequest.code == .failure)
        #expect(asRequest.stdout.contains("droprun validate --workflow workflows/good.json"), "\(asRequest.stdout)")
    }

    @Test func validateWarnsWhenTheRunIdIsTaken() async throws {
        let (root, cli) = try ready()
        let request = RequestText.make(id: "taken", steps: [#"{"id": "a", "provider": "echo", "with": {}}"#])
        try root.write("req.json", request)
        let fresh = await cli.run(["validate", "req.json"])
        #expect(!fresh.stdout.contains("warning"), "\(fresh.stdout)")
        try root.drop("taken.json", request)
        _ = await cli.run(["run", "--once"])
        let result = await cli.run(["validate", "req.json"])
        #expect(result.stdout.contains("warning: run 'taken' already exists (outbox/results/taken.json)"), "\(result.stdout)")
        #expect(result.stdout.contains("droprun retry taken"), "\(result.stdout)")
        let json = try JSONParser.parse(await cli.run(["validate", "req.json", "--json"]).stdout)
        #expect(json[0]?["warnings"]?.arrayValue?.count == 1)
    }

    @Test func aRunCancelledBeforeItStartedSaysSo() async throws {
        let (root, cli) = try ready()
        try root.drop("early.json", RequestText.make(id: "early", steps: [#"{"id": "a", "provider": "echo", "with": {}}"#]))
        #expect(await cli.run(["cancel", "early"]).code == .success)
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/results/early.json")?["status"] == "cancelled")
        for command in ["status", "show"] {
            let result = await cli.run([command, "early"])
            #expect(!result.stdout.contains("step '?'"), "\(command): \(result.stdout)")
            #expect(result.stdout.contains("cancelled before any step ran"), "\(command): \(result.stdout)")
        }
    }

    @Test func runOnceCountsRunsLeftWaiting() async throws {
        let (root, cli) = try ready()
        try root.drop("w.json", RequestText.make(id: "w", steps: [#"{"id": "ok", "provider": "approval", "with": {"message": "?"}}"#]))
        try root.drop("e.json", RequestText.make(id: "e", steps: [#"{"id": "a", "provider": "echo", "with": {}}"#]))
        let result = await cli.run(["run", "--once"])
        #expect(result.stdout.contains("2 runs: 1 succeeded, 0 failed, 0 cancelled, 1 waiting; 0 rejected"), "\(result.stdout)")
        // Approved and finished in the next pass: counted once, as succeeded.
        _ = await cli.run(["approve", "w"])
        let next = await cli.run(["run", "--once"])
        #expect(next.stdout.contains("1 run: 1 succeeded, 0 failed, 0 cancelled, 0 waiting; 0 rejected"), "\(next.stdout)")
    }

    @Test func showPrintsLongOutputsWholeWithFull() async throws {
        let (root, cli) = try ready()
        let long = String(repeating: "abcdefghij", count: 12) + "-END"
        try root.drop(
            "big.json",
            RequestText.make(
                id: "big",
                steps: [
                    #"{"id": "a", "provider": "echo", "with": {"text": "\#(long)"}}"#,
                    #"{"id": "b", "provider": "echo", "with": {"x": 1}}"#,
                ]))
        _ = await cli.run(["run", "--once"])
        let cut = await cli.run(["show", "big"])
        #expect(!cut.stdout.contains("-END"), "\(cut.stdout)")
        #expect(cut.stdout.contains("droprun show --full big"), "\(cut.stdout)")
        let full = await cli.run(["show", "--full", "big"])
        #expect(full.code == .success)
        #expect(full.stdout.contains(long), "\(full.stdout)")
    }

    /// What an exec command wrote on its standard error is shown by `show` (its first line; whole with `--full`).
    @Test func showPrintsAnExecStepsStandardError() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast", "providers": {"exec": {"commands": {"sh": {"path": "/bin/sh"}}}}}"#)
        let cli = CLITester(root: root.path)
        try root.drop(
            "noisy.json",
            RequestText.make(
                id: "noisy",
                steps: [
                    #"{"id": "s", "provider": "exec", "with": {"command": "sh", "args": ["-c", "echo 'disk quota exceeded' >&2; echo second >&2; exit 3"]}}"#
                ]))
        _ = await cli.run(["run", "--once"])
        let shown = await cli.run(["show", "noisy"])
        #expect(shown.stdout.contains("stderr: disk quota exceeded"), "\(shown.stdout)")
        #expect(!shown.stdout.contains("second"), "\(shown.stdout)")
        #expect(shown.stdout.contains("droprun show --full noisy"), "\(shown.stdout)")
        let full = await cli.run(["show", "--full", "noisy"])
        #expect(full.stdout.contains("disk quota exceeded") && full.stdout.contains("second"), "\(full.stdout)")
    }

    /// A cancel filed for a queued or waiting run is shown by `status` until a runner applies it.
    @Test func statusShowsACancelNotAppliedYet() async throws {
        let (root, cli) = try await WaitingApproval.root()
        try root.drop("q1.json", RequestText.make(id: "q1", steps: [#"{"id": "a", "provider": "echo", "with": {"x": 1}}"#]))
        for runId in ["q1", "r1"] {
            let before = await cli.run(["status", "--json", runId])
            #expect(before.stdout.contains(#""cancelRequested": false"#), "\(before.stdout)")
            #expect(await cli.run(["cancel", runId]).code == .success)
            let text = await cli.run(["status", runId])
            #expect(text.stdout.contains("cancel requested (outbox/cancels/\(runId).json)"), "\(text.stdout)")
            let json = await cli.run(["status", "--json", runId])
            #expect(json.stdout.contains(#""cancelRequested": true"#), "\(json.stdout)")
        }
    }

    /// `artifacts --json` of a rejected drop prints a JSON error, as every failing `--json` command does.
    @Test func artifactsOfARejectedDropIsAJSONError() async throws {
        let (root, cli) = try ready()
        try root.drop("typo.json", #"{"workflow": {"name": "x", "steps": [{"id": "a", "provider": "lmm"}]}}"#)
        _ = await cli.run(["run", "--once"])
        let result = await cli.run(["artifacts", "--json", "typo"])
        #expect(result.code == .failure)
        #expect(result.stdout.contains(#""error""#) && result.stdout.contains("never ran"), "\(result.stdout)")
    }

    /// The README's sample rejection is the real message: every provider, as droprun lists them.
    @Test func readmeSampleErrorListsTheRealProviders() async throws {
        let (root, cli) = try ready()
        try root.drop("typo.json", #"{"workflow": {"name": "x", "steps": [{"id": "a", "provider": "lmm"}]}}"#)
        _ = await cli.run(["run", "--once"])
        let message = try #require(root.json("outbox/rejected/typo.json.error.json")?["errors"]?[0]?["message"]?.stringValue)
        let readme = PackageRoot.file("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        #expect(text.contains(#""message": "\#(message)""#), "README.md should show: \(message)")
    }

    /// A fixture whose request is rejected is not recorded by accident (its root does not see the root's exec aliases).
    @Test func fixturesRecordRefusesARejectedMainRequestUnlessAsked() async throws {
        let (root, cli) = try ready()
        try root.write("droprun.json", #"{"durability": "fast", "providers": {"exec": {"commands": {"cat": {"path": "/bin/cat"}}}}}"#)
        try root.write(
            "fixtures/needs-exec/request.json", RequestText.make(id: "x", steps: [#"{"id": "a", "provider": "exec", "with": {"command": "cat"}}"#]))
        let refused = await cli.run(["fixtures", "record", "needs-exec"])
        #expect(refused.code == .failure, "\(refused.stdout)")
        #expect(refused.stdout.contains("request.json was rejected"), "\(refused.stdout)")
        #expect(refused.stdout.contains("fixtures/needs-exec/droprun.json"), "\(refused.stdout)")
        #expect(!root.exists("fixtures/needs-exec/expected"))
        let allowed = await cli.run(["fixtures", "record", "--allow-rejected", "needs-exec"])
        #expect(allowed.code == .success, "\(allowed.stdout)")
        #expect(root.exists("fixtures/needs-exec/expected/rejected/request.json.error.json"))
    }
}
