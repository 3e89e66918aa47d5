import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension EndToEndTests {
    /// `droprun approve` / `reject` and dropped approval files, as real processes.
    ///
    /// Every test works on its own fresh root with `"durability": "fast"`.
    @Suite(.serialized) struct ApproveCommandTests {
        @Test func approveAndRejectCommandsResumeWaitingRuns() async throws {
            let root = try makeRoot()
            for id in ["cmd-yes", "cmd-no"] {
                try root.drop(
                    id + ".json",
                    """
                    {"id":"\(id)","workflow":{"name":"w","steps":[
                      {"id":"ask","provider":"approval","with":{"message":"ship it?"}},
                      {"id":"after","provider":"echo","with":{"by":"{{steps.ask.output.by}}"}}]}}
                    """)
            }
            _ = try await droprun(["run", "--once"], root)
            let approved = try await droprun(["approve", "cmd-yes", "--by", "alice", "--note", "fine"], root)
            #expect(approved.code == 0, "\(approved)")
            let rejected = try await droprun(["reject", "cmd-no", "--by", "bob"], root)
            #expect(rejected.code == 0, "\(rejected)")
            let ran = try await droprun(["run", "--once"], root)
            #expect(ran.code == 1, "a rejected run failed, so run --once exits 1: \(ran)")
            let yes = try #require(root.json("outbox/results/cmd-yes.json"), "\(ran.stdout)")
            #expect(yes["status"]?.stringValue == "succeeded")
            #expect(yes["output"]?["by"]?.stringValue == "alice")
            #expect(yes["steps"]?.arrayValue?.first?["output"]?["note"]?.stringValue == "fine")
            #expect(root.json("outbox/results/cmd-no.json")?["status"]?.stringValue == "failed")

            let again = try await droprun(["approve", "cmd-yes"], root)
            #expect(again.code == 1, "approving a finished run must fail: \(again)")
            for verb in ["approve", "reject"] {
                let unknown = try await droprun([verb, "never-was"], root)
                #expect(unknown.code == 1 && unknown.stderr.contains("never-was"), "\(verb): \(unknown)")
            }
        }

        /// Section 6: an approval step waits; a dropped approval (or rejection) resumes the run.
        @Test func approvalFilesResumeAWaitingRun() async throws {
            let root = try makeRoot()
            for id in ["ask-yes", "ask-no"] {
                try root.drop(
                    id + ".json",
                    """
                    {"id":"\(id)","workflow":{"name":"w","steps":[
                      {"id":"ask","provider":"approval","with":{"message":"ship it?"}},
                      {"id":"after","provider":"echo","with":{"decision":"{{steps.ask.output.decision}}"}}]}}
                    """)
            }
            let first = try await droprun(["run", "--once"], root)
            #expect(first.code != 2, "\(first)")
            for id in ["ask-yes", "ask-no"] {
                #expect(parse(try await droprun(["status", id, "--json"], root).stdout)?["status"]?.stringValue == "waiting_approval")
                #expect(!root.exists("outbox/results/\(id).json"))
            }
            try root.drop("yes.json", #"{"kind":"approval","runId":"ask-yes","decision":"approve","by":"alice","note":"fine"}"#)
            try root.drop("no.json", #"{"kind":"approval","runId":"ask-no","decision":"reject","by":"bob","note":"not yet"}"#)
            let second = try await droprun(["run", "--once"], root)
            #expect(second.code == 1, "a rejected approval fails its run, so run --once exits 1: \(second)")

            let yes = try #require(root.json("outbox/results/ask-yes.json"), "ask-yes did not finish: \(second.stdout)")
            #expect(yes["status"]?.stringValue == "succeeded")
            let ask = yes["steps"]?.arrayValue?.first?["output"]
            #expect(
                ask?["decision"]?.stringValue == "approve" && ask?["by"]?.stringValue == "alice" && ask?["note"]?.stringValue == "fine",
                "\(String(describing: ask))")
            #expect(yes["output"]?["decision"]?.stringValue == "approve")
            let no = try #require(root.json("outbox/results/ask-no.json"), "ask-no did not finish: \(second.stdout)")
            #expect(no["status"]?.stringValue == "failed")
            #expect(no["error"]?["step"]?.stringValue == "ask")

            let events = auditEvents(root).filter { $0["runId"]?.stringValue == "ask-yes" }.compactMap { $0["event"]?.stringValue }
            for name in ["run.waiting_approval", "approval.received", "run.resumed", "run.succeeded"] {
                #expect(events.contains(name), "no \(name) for ask-yes: \(events)")
            }
            #expect(try await droprun(["audit", "verify"], root).code == 0)
        }
    }
}
