import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// What a newcomer's trial of the command line found, each as the message or exit code they should have seen.
@Suite struct CLITrialTests {
    static let echoStep = #"{"id": "a", "provider": "echo", "with": {"x": 1}}"#
    static let askStep = #"{"id": "ask", "provider": "approval", "with": {"message": "ship it?"}}"#

    /// A root after one `run --once`: `hello` succeeded, `ask` waits for an approval, `bad` and an approval for an
    /// unknown run (`ap2.json`) were rejected; `workflows/w.json` exists; request files to validate lie at the root.
    func trialRoot() async throws -> (TemporaryRoot, CLITester) {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.write("workflows/w.json", #"{"name": "w", "steps": [\#(Self.echoStep)]}"#)
        try root.drop("hello.json", RequestText.make(id: "hello", steps: [Self.echoStep]))
        try root.drop("ask.json", RequestText.make(id: "ask", steps: [Self.askStep, Self.echoStep]))
        try root.drop("bad.json", RequestText.make(id: "bad", steps: [#"{"id": "a", "provider": "lmm"}"#]))
        try root.drop("ap2.json", #"{"kind": "approval", "runId": "ghost", "decision": "approve"}"#)
        try root.write("ctl.json", #"{"kind": "approval", "runId": "ghost", "decision": "approve"}"#)
        try root.write("wjson.json", #"{"id": "wj", "workflow": "w.json"}"#)
        let cli = CLITester(root: root.path)
        let ran = await cli.run(["run", "--once"])
        #expect(ran.stdout.contains("succeeded hello"), "\(ran.stdout)\(ran.stderr)")
        return (root, cli)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var stdin = ""
        var code: ExitCode
        var says: [String]
        var never: [String] = []
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let cases: [Case] = [
        Case(arguments: ["status", "helo"], code: .failure, says: ["no run 'helo'", "did you mean 'hello'?"]),
        Case(arguments: ["status", "outbox/results/hello.json"], code: .success, says: ["hello: succeeded"]),
        Case(arguments: ["status", "bad"], code: .failure, says: ["bad: rejected (invalid_request)"]),
        Case(arguments: ["show", "bad"], code: .failure, says: ["invalid_request"]),
        Case(arguments: ["list", "--status", "waiting"], code: .success, says: ["waiting_approval  ask"], never: ["hello"]),
        Case(arguments: ["list", "--status", "wating"], code: .usage, says: ["did you mean 'waiting'?"]),
        Case(
            arguments: ["validate", "-"], stdin: RequestText.make(id: "fromstdin", steps: [echoStep]), code: .success,
            says: ["ok       -: run 'fromstdin'"], never: ["no file"]),
        Case(arguments: ["validate", "ctl.json"], code: .success, says: ["warning:", "no run 'ghost'", "would be refused"]),
        Case(
            arguments: ["validate", "wjson.json"], code: .failure, says: ["did you mean 'w'? (a workflow is named without .json)", "; known: w"],
            never: ["object Known"]),
    ]

    @Test(arguments: cases)
    func aCommandSaysWhatANewcomerNeeds(_ c: Case) async throws {
        let (root, cli) = try await trialRoot()
        defer { withExtendedLifetime(root) {} }
        let result = await cli.run(c.arguments, stdin: c.stdin)
        let text = result.stdout + result.stderr
        #expect(result.code == c.code, "\(text)")
        for wanted in c.says { #expect(text.contains(wanted), "\(wanted) in: \(text)") }
        for unwanted in c.never { #expect(!text.contains(unwanted), "\(unwanted) in: \(text)") }
    }

    /// Control messages are not runs: a pending approval is not a `queued` row, a refused one is no run `ap2`.
    @Test func listShowsControlMessagesAsWhatTheyAre() async throws {
        let (root, cli) = try await trialRoot()
        let approved = await cli.run(["approve", "ask", "--by", "alice"])
        #expect(approved.code == .success, "\(approved.stderr)")
        let list = await cli.run(["list"])
        #expect(!list.stdout.contains(".approve."), "\(list.stdout)")
        #expect(!list.stdout.contains("ap2  "), "\(list.stdout)")
        #expect(list.stdout.contains("approval for 'ghost': unknown_run (outbox/rejected/ap2.json)"), "\(list.stdout)")
        #expect(list.stdout.contains("waiting_approval  ask"), "\(list.stdout)")
        let json = try JSONParser.parse((await cli.run(["list", "--json"])).stdout)
        let rows = json.arrayValue ?? []
        #expect(rows.count == 4, "hello, ask, bad and the refused approval: \(rows)")
        let refused = try #require(rows.first { $0["kind"] == "approval" })
        #expect(refused["runId"] == .null && refused["forRun"] == "ghost" && refused["status"] == "rejected", "\(refused)")
        #expect(refused["workflow"] == .null)
        #expect(root.list("inbox").contains { $0.hasPrefix("ask.approve.") })
    }

    /// `status --json` agrees with `show`: the approval step a run waits on is `waiting`.
    @Test func statusJSONSaysTheApprovalStepIsWaiting() async throws {
        let (root, cli) = try await trialRoot()
        defer { withExtendedLifetime(root) {} }
        let json = try JSONParser.parse((await cli.run(["status", "ask", "--json"])).stdout)
        #expect(json["steps"]?["ask"] == "waiting", "\(json)")
        #expect(json["steps"]?["a"] == "pending", "\(json)")
        #expect((await cli.run(["show", "ask"])).stdout.contains("waiting    since"))
    }

    /// `retry --latest` of a run whose workflow file is gone names the real cause.
    @Test func retryLatestNamesWhyTheRequestNoLongerValidates() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.write("workflows/w.json", #"{"name": "w", "steps": [\#(Self.echoStep)]}"#)
        try root.drop("named.json", #"{"id": "named", "workflow": "w"}"#)
        let cli = CLITester(root: root.path)
        #expect((await cli.run(["run", "--once"])).code == .success)
        try FileManager.default.removeItem(atPath: root.file("workflows/w.json"))
        let retry = await cli.run(["retry", "--latest", "named"])
        #expect(retry.code == .failure)
        #expect(retry.stderr.contains("no workflow named 'w'"), "\(retry.stderr)")
        #expect(retry.stderr.contains("workflows/w.json"), "\(retry.stderr)")
    }

    /// A refused fixture is not counted as recorded.
    @Test func fixturesRecordCountsRefusedFixturesApart() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.write(
            "fixtures/needs-exec/request.json", RequestText.make(id: "x", steps: [#"{"id": "a", "provider": "exec", "with": {"command": "cat"}}"#]))
        try root.write("fixtures/fine/request.json", RequestText.make(id: "y", steps: [Self.echoStep]))
        let result = await CLITester(root: root.path).run(["fixtures", "record"])
        #expect(result.code == .failure)
        #expect(result.stdout.contains("1 fixture recorded, 1 not (needs-exec: see above)"), "\(result.stdout)")
        let refused = await CLITester(root: root.path).run(["fixtures", "record", "needs-exec"])
        #expect(refused.stdout.contains("0 fixtures recorded, 1 not (needs-exec: see above)"), "\(refused.stdout)")
        #expect(!refused.stdout.contains("review the changes"), "\(refused.stdout)")
    }

    /// Reading commands read on with a broken `droprun.json`, but say so, once, on standard error.
    @Test(arguments: [["list"], ["status", "hello"], ["show", "hello"], ["audit", "verify"]])
    func aReadingCommandWarnsOfABrokenConfiguration(_ arguments: [String]) async throws {
        let (root, cli) = try await trialRoot()
        try root.write("droprun.json", #"{"concurency": 2}"#)
        let result = await cli.run(arguments)
        #expect(result.code == .success, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.components(separatedBy: "droprun: warning: droprun.json cannot be used").count == 2, "once: \(result.stderr)")
        #expect(result.stderr.contains("$.concurency"), "\(result.stderr)")
    }

    /// A folder named `droprun.json` is described in words, not as Swift's enum cases.
    @Test(arguments: [["run", "--once"], ["list"]])
    func aConfigurationFolderIsDescribedInWords(_ arguments: [String]) async throws {
        let root = try TemporaryRoot()
        try FileManager.default.createDirectory(atPath: root.file("droprun.json"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root.file("inbox"), withIntermediateDirectories: true)
        let result = await CLITester(root: root.path).run(arguments)
        #expect(result.stderr.contains("it is a folder, not a regular file"), "\(result.stderr)")
        #expect(!result.stderr.contains("notRegular") && !result.stderr.contains("DroprunKit"), "\(result.stderr)")
    }

    /// `approve` without `--by` names the user, not `cli`.
    @Test func byDefaultsToTheLoginName() async throws {
        let (root, cli) = try await trialRoot()
        #expect((await cli.run(["approve", "ask"])).code == .success)
        let file = try #require(root.list("inbox").first { $0.hasPrefix("ask.approve.") })
        let by = root.json("inbox/" + file)?["by"]?.stringValue
        let login = getpwuid(geteuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
        #expect(by != "cli" && by == login, "\(by ?? "nil")")
    }

    /// `init` under a file says which part is in the way; `init` again after the example ran points at what works.
    @Test func initSaysWhatIsInTheWayAndWhatToDoNext() async throws {
        let root = try TemporaryRoot()
        try root.write("afile", "x")
        let cli = CLITester(root: root.path)
        let under = await cli.run(["init", root.file("afile/x")])
        #expect(under.code == .usage, "\(under.stderr)")
        #expect(under.stderr.contains("\(root.file("afile")) is a file, not a folder"), "\(under.stderr)")
        #expect(!under.stderr.contains("mkdir") && !under.stderr.contains("file system error"), "\(under.stderr)")

        let dir = root.file("fresh")
        let first = await cli.run(["init", dir])
        #expect(first.stdout.contains("Try: droprun --root \(dir) submit"), "\(first.stdout)")
        #expect((await cli.run(["--root", dir, "submit", Path.join(dir, "example-request.json")])).code == .success)
        let again = await cli.run(["init", dir])
        #expect(again.code == .success)
        #expect(!again.stdout.contains("Try: droprun --root \(dir) submit"), "\(again.stdout)")
        #expect(again.stdout.contains("show hello-droprun"), "\(again.stdout)")
    }
}
