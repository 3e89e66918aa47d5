import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `Intake`: admission, its duplicate checks, and what they cost.
@Suite struct IntakeTests {
    func claim(_ root: TemporaryRoot, _ name: String, _ text: String) throws -> ClaimedFile {
        try root.write("outbox/claimed/testhost-4242/" + name, text)
        return ClaimedFile(name: name, path: root.file("outbox/claimed/testhost-4242/" + name), claimedAt: Date())
    }

    /// The duplicate check runs for every request: one `stat` of `outbox/results/`, no claim folder listed.
    @Test func admittingARequestAsksTheLocatorOnce() throws {
        let root = try TemporaryRoot()
        let fs = FaultyFileSystem()
        let context = root.engine(fileSystem: fs)
        defer { context.audit.close() }
        let claimed = try claim(root, "a.json", RequestText.make(id: "a", steps: [#"{"id": "s", "provider": "echo"}"#]))
        guard case .run(let record, _, _) = try Intake(context: context).admit(claimed) else { Issue.record("not admitted"); return }
        #expect(record.runId == "a")
        #expect(fs.infoCalls(inside: root.file("outbox/results")) == 1)
        #expect(fs.infoCalls(inside: root.file("outbox/running")) == 0)
        #expect(!fs.operations.contains { $0.hasPrefix("list") })
    }

    @Test func aDropOfAFinishedRunIsADuplicateNamingItsResult() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/results/a.json", "{}")
        let context = root.engine()
        defer { context.audit.close() }
        let claimed = try claim(root, "a.json", RequestText.make(id: "a", steps: [#"{"id": "s", "provider": "echo"}"#]))
        guard case .rejected(let rejection, _) = try Intake(context: context).admit(claimed) else { Issue.record("not rejected"); return }
        #expect(rejection.reason == .duplicate)
        #expect(rejection.issues.first?.description.contains("outbox/results/a.json") == true)
    }

    @Test func aDropOfAnAcceptedRunIsADuplicateNamingItsRequest() throws {
        let root = try TemporaryRoot()
        try root.write("outbox/requests/a.json", "{}")
        let context = root.engine()
        defer { context.audit.close() }
        let claimed = try claim(root, "a.json", RequestText.make(id: "a", steps: [#"{"id": "s", "provider": "echo"}"#]))
        guard case .rejected(let rejection, _) = try Intake(context: context).admit(claimed) else { Issue.record("not rejected"); return }
        #expect(rejection.reason == .duplicate)
        #expect(rejection.issues.first?.description.contains("outbox/requests/a.json") == true)
    }

    @Test func freeClaimPathsCountUp() throws {
        let root = try TemporaryRoot()
        let context = root.engine()
        defer { context.audit.close() }
        let intake = Intake(context: context)
        #expect(intake.freeClaimPath(for: "x.json") == root.file("outbox/claimed/testhost-4242/x.json"))
        _ = try claim(root, "x.json", "{}")
        _ = try claim(root, "x.json~2", "{}")
        #expect(intake.freeClaimPath(for: "x.json") == root.file("outbox/claimed/testhost-4242/x.json~3"))
        #expect(RootLayout.claimedFileName("x.json~3") == "x.json" && RootLayout.claimedFileName("x~y.json") == "x~y.json")
    }
}
