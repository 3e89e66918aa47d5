import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// How `status` and `show` describe a run: whether its runner has stopped is the takeover policy's answer.
@Suite struct RunRecordDescribeTests {
    let at = Date(timeIntervalSince1970: 1_800_000_000)

    /// A record of run `r` with `status`, naming its runner by `runnerId` and/or `runner` (`host:pid`).
    func record(_ status: RunStatus, runnerId: String?, runner: String?) -> String {
        var record = RunRecord(
            runId: "r", workflow: Workflow(name: "w", version: "1", steps: [StepDefinition(id: "a", provider: "echo")]),
            requestFile: "r.json", requestSHA256: "", requestSize: 2, receivedAt: at, createdAt: at)
        record.runnerId = runnerId
        record.runner = runner
        guard case .object(var json) = record.json else { return "" }
        json["status"] = .string(status.rawValue)
        return String(decoding: JSONWriter.prettyBytes(.object(json)), as: UTF8.self)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var status: RunStatus
        var runnerId: String?
        var runner: String?
        /// The runner named has a fresh heartbeat.
        var alive = false
        /// What `status` says of it, if anything.
        var says: String?
        var testDescription: String { "\(status.rawValue) runnerId \(runnerId ?? "none") runner \(runner ?? "none")\(alive ? " (alive)" : "")" }
    }

    static let cases: [Case] = [
        Case(
            status: .running, runnerId: "otherhost-7", runner: "otherhost:7",
            says: "interrupted, resumes on the next runner (its runner otherhost:7 has stopped)"),
        Case(status: .running, runnerId: "otherhost-7", runner: "otherhost:7", alive: true),
        Case(
            status: .queued, runnerId: "otherhost-7", runner: "otherhost:7",
            says: "interrupted, starts on the next runner (its runner otherhost:7 has stopped)"),
        Case(status: .queued, runnerId: "otherhost-7", runner: "otherhost:7", alive: true),
        // A record with only `runner` (another droprun version) names its runner too.
        Case(
            status: .running, runnerId: nil, runner: "otherhost:7",
            says: "interrupted, resumes on the next runner (its runner otherhost:7 has stopped)"),
        Case(status: .running, runnerId: nil, runner: "otherhost:7", alive: true),
        Case(status: .queued, runnerId: nil, runner: nil),
    ]

    @Test(arguments: cases)
    func statusSaysWhatThePolicySays(_ c: Case) async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.write("outbox/requests/r.json", "{}")
        try root.write("outbox/running/r.json", record(c.status, runnerId: c.runnerId, runner: c.runner))
        if c.alive { try PosixFileSystem().writeAtomically(root.layout.heartbeat("otherhost-7"), Array("{}".utf8), sync: false) }
        let cli = CLITester(root: root.path)
        for command in ["status", "show"] {
            let result = await cli.run([command, "r"])
            #expect(result.code == .success, "\(result.stderr)")
            if let says = c.says {
                #expect(result.stdout.contains(says), "\(command): \(result.stdout)")
            } else {
                #expect(!result.stdout.contains("interrupted"), "\(command): \(result.stdout)")
            }
        }
        let json = try JSONParser.parse(await cli.run(["status", "r", "--json"]).stdout)
        #expect(json["interrupted"]?.stringValue == c.says)
    }
}
