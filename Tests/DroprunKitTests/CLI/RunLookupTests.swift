import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// How the reading commands find a run: by id, by the dropped file's name, as a rejection, or as a record they cannot read.
@Suite struct RunLookupTests {
    static let typo = #"{"workflow": {"name": "x", "steps": [{"id": "a", "provider": "lmm"}]}}"#
    static let good = RequestText.make(steps: [#"{"id": "a", "provider": "echo", "with": {"v": 1}}"#])

    func ready() throws -> (TemporaryRoot, CLITester) {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        return (root, CLITester(root: root.path))
    }

    /// Item 6: a typo'd request is rejected; status, show, list and audit find it by the id it would have had.
    @Test(arguments: [["status", "typo-run"], ["show", "typo-run"], ["status", "typo-run.json"], ["audit", "typo-run"]])
    func rejectedDropIsFoundByRunIdOrFileName(_ arguments: [String]) async throws {
        let (root, cli) = try ready()
        try root.drop("typo-run.json", Self.typo)
        #expect(await cli.run(["run", "--once"]).code == .failure)
        let result = await cli.run(arguments)
        // It never became a run: status and show say why and exit 1; audit has its event.
        #expect(result.code == (arguments[0] == "audit" ? .success : .failure), "\(result.stdout)\(result.stderr)")
        if arguments[0] == "audit" {
            #expect(result.stdout.contains("request.rejected"), "\(result.stdout)")
            #expect(result.stdout.contains("typo-run.json"), "\(result.stdout)")
        } else {
            #expect(result.stdout.contains("rejected"), "\(result.stdout)")
            #expect(result.stdout.contains("invalid_request"), "\(result.stdout)")
            #expect(result.stdout.contains("$.workflow.steps[0].provider"), "\(result.stdout)")
            #expect(result.stdout.contains("did you mean 'llm'?"), "\(result.stdout)")
        }
    }

    @Test func rejectionAsJSONCarriesReasonAndErrors() async throws {
        let (root, cli) = try ready()
        try root.drop("typo-run.json", Self.typo)
        _ = await cli.run(["run", "--once"])
        for command in ["status", "show"] {
            let result = await cli.run([command, "typo-run", "--json"])
            let json = try JSONParser.parse(result.stdout)
            #expect(json["status"] == "rejected", "\(command)")
            #expect(json["reason"] == "invalid_request", "\(command)")
            #expect(json["errors"]?[0]?["path"] == "$.workflow.steps[0].provider", "\(command)")
            #expect(json["file"] == "typo-run.json", "\(command)")
        }
        let list = try JSONParser.parse(await cli.run(["list", "--json"]).stdout)
        #expect(list[0]?["status"] == "rejected")
        #expect(list[0]?["runId"] == "typo-run")
        #expect(list[0]?["reason"] == "invalid_request")
        let only = await cli.run(["list", "--status", "rejected"])
        #expect(only.stdout.contains("typo-run") && only.stdout.contains("invalid_request"), "\(only.stdout)")
    }

    /// The id inside the file differs from the file name: found by either, the id through the scan of outbox/rejected/.
    @Test func rejectionIsFoundByTheIdInsideTheFile() async throws {
        let (root, cli) = try ready()
        try root.drop("upload-7.json", #"{"id": "invoice-7", "workflow": {"name": "x", "steps": [{"id": "a", "provider": "lmm"}]}}"#)
        _ = await cli.run(["run", "--once"])
        for word in ["invoice-7", "upload-7", "upload-7.json"] {
            let result = await cli.run(["status", word, "--json"])
            #expect(result.code == .failure, "\(word): \(result.stderr)")
            let json = try JSONParser.parse(result.stdout)
            #expect(json["runId"] == "invoice-7", "\(word)")
            #expect(json["status"] == "rejected", "\(word)")
        }
        let audit = await cli.run(["audit", "invoice-7"])
        #expect(audit.stdout.contains("request.rejected"), "\(audit.stdout)\(audit.stderr)")
    }

    /// A name rejected twice: the newest rejection is shown, and the earlier one counted.
    @Test func newestOfSeveralRejectionsIsShown() async throws {
        let (root, cli) = try ready()
        try root.drop("twice.json", "[")
        _ = await cli.run(["run", "--once"])
        try root.drop("twice.json", Self.typo)
        _ = await cli.run(["run", "--once"])
        let json = try JSONParser.parse(await cli.run(["status", "twice", "--json"]).stdout)
        #expect(json["reason"] == "invalid_request")
        #expect(json["rejectedAs"] == "twice~2.json")
        #expect(json["earlierRejections"] == .int(1))
    }

    /// `status T-0003.json` looks for the run T-0003, not inbox/T-0003.json.json.
    @Test(arguments: ["status", "show", "artifacts"])
    func aFileNameNamesItsRun(_ command: String) async throws {
        let (root, cli) = try ready()
        try root.drop("T-0003.json", Self.good)
        let queued = await cli.run([command, "T-0003.json"])
        #expect(queued.code == .success, "\(queued.stderr)")
        #expect(queued.stdout.contains("T-0003") && queued.stdout.contains("queued"), "\(queued.stdout)")
        _ = await cli.run(["run", "--once"])
        let done = await cli.run([command, "T-0003.json", "--json"])
        #expect(done.code == .success, "\(done.stderr)")
        let missing = await cli.run(["status", "T-0004.json"])
        #expect(missing.code == .failure)
        #expect(!missing.stderr.contains(".json.json"), "\(missing.stderr)")
        #expect(missing.stderr.contains("inbox/T-0004.json"), "\(missing.stderr)")
    }

    /// Item 4: a record that does not parse is never skipped in silence.
    @Test(arguments: ["outbox/results", "outbox/running"])
    func unreadableRecordIsSaidSoByStatusShowAndList(_ folder: String) async throws {
        let (root, cli) = try ready()
        try root.write("\(folder)/broken.json", #"{"runId": "broken", "status": "succ"#)
        for command in ["status", "show"] {
            let result = await cli.run([command, "broken"])
            #expect(result.code == .failure, "\(command)")
            #expect(result.stderr.contains("unreadable"), "\(command): \(result.stderr)")
            #expect(result.stderr.contains("\(folder)/broken.json"), "\(command): \(result.stderr)")
            #expect(result.stderr.contains("not valid JSON"), "\(command): \(result.stderr)")
            #expect(result.stderr.contains("outbox/requests/broken.json"), "\(command): what to do: \(result.stderr)")
        }
        let json = await cli.run(["status", "broken", "--json"])
        #expect(try JSONParser.parse(json.stdout)["error"]?["code"] == "unreadable_record")
        let list = await cli.run(["list"])
        #expect(list.stdout.contains("unreadable") && list.stdout.contains("broken"), "\(list.stdout)")
        let rows = try JSONParser.parse(await cli.run(["list", "--json"]).stdout)
        #expect(rows[0]?["status"] == "unreadable")
        #expect(rows[0]?["reason"]?.stringValue?.contains("not valid JSON") == true)
    }

    /// JSON that is not a record (a depth or shape the reader refuses) is unreadable too, and says so.
    @Test func recordOfTheWrongShapeIsUnreadable() async throws {
        let (root, cli) = try ready()
        try root.write("outbox/results/odd.json", #"{"runId": "odd"}"#)
        let result = await cli.run(["status", "odd"])
        #expect(result.code == .failure)
        #expect(result.stderr.contains("not a run record"), "\(result.stderr)")
    }

    /// `status` of a queued run, or of an id that is nowhere, asks a few `stat`s: it reads no runner's checkpoint log
    /// and lists no claim folder, though a log and claims are there.
    @Test(arguments: ["queued-run", "no-such-run"])
    func statusReadsNoCheckpointLog(_ runId: String) async throws {
        let (root, cli) = try ready()
        try root.write("outbox/requests/queued-run.json", Self.good)
        try root.write("outbox/claimed/otherhost-7/other.json", "{}")
        let line = #"{"claim":"other.json","record":{"runId":"other","status":"running","runnerId":"otherhost-7"}}"# + "\n"
        try root.write("outbox/checkpoints/otherhost-7/" + CheckpointLog.segmentName(1), line)
        let fs = FaultyFileSystem()
        let result = await cli.run(["status", runId], fileSystem: fs)
        #expect(result.code == (runId == "queued-run" ? .success : .failure), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("queued") == (runId == "queued-run"), "\(result.stdout)")
        let scans = fs.operations.filter {
            ($0.hasPrefix("read ") || $0.hasPrefix("list ")) && ($0.contains("/outbox/checkpoints") || $0.contains("/outbox/claimed"))
        }
        #expect(scans.isEmpty, "\(scans)")
    }
}

/// A drop whose request names its own `id`: a command that names the dropped file reaches the run it becomes.
@Suite struct DropWithItsOwnIdTests {
    @Test func cancelByTheDroppedFilesNameCancelsTheRunItBecomes() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop("dq3.json", RequestText.make(id: "dly3", steps: [#"{"id": "wait", "provider": "delay", "with": {"ms": 10}}"#]))
        let cli = CLITester(root: root.path)
        let cancel = await cli.run(["cancel", "dq3.json"])
        #expect(cancel.code == .success, "\(cancel.stderr)")
        #expect(cancel.stdout.contains("dly3"), "\(cancel.stdout)")
        let status = await cli.run(["status", "dq3.json"])
        #expect(status.stdout.contains("dly3"), "\(status.stdout)")
        _ = await cli.run(["run", "--once"])
        #expect(root.json("outbox/results/dly3.json")?["status"] == "cancelled", "\(root.list("outbox/results")) \(root.list("outbox/rejected"))")
        #expect(root.list("outbox/rejected").isEmpty, "the cancel was filed for a run that does not exist: \(root.list("outbox/rejected"))")
    }
}
