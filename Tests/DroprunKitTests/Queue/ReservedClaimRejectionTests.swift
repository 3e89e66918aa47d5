import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A dead runner's claim that reserved its run id and no longer decodes gives the id back with its rejection.
@Suite struct ReservedClaimRejectionTests {
    @Test func aReservedClaimThatNoLongerDecodesReleasesItsRunId() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast", "providers": {"exec": {"commands": {"cat": {"path": "/bin/cat"}}}}}"#)
        try root.drop("r.json", RequestText.make(id: "r", steps: [#"{"id": "a", "provider": "exec", "with": {"command": "cat"}}"#]))
        let withExec = try Configuration.load(root: root.path, fileSystem: PosixFileSystem())
        let fs = FaultyFileSystem([.kills(before: "append", pathContains: "outbox/audit")])
        let dead = root.engine(configuration: withExec, fileSystem: fs, identity: RunnerIdentity(host: "testhost", pid: 1))
        _ = try? await Runner(context: dead).runOnce()
        #expect(root.exists("outbox/requests/r.json") && !root.exists("outbox/running/r.json"))
        // The command alias is gone: the request no longer validates.
        let context = root.engine(identity: RunnerIdentity(host: "testhost", pid: 2))
        defer { context.audit.close() }
        context.liveness.bury("testhost-1")
        let summary = try await Runner(context: context).runOnce()
        #expect(root.exists("outbox/rejected/r.json"), "\(summary.outcomes)")
        #expect(!root.exists("outbox/requests/r.json"), "the run id stays reserved")
        let cli = CLITester(root: root.path, clock: InstantClock(), variables: ["USER": "ann"])
        let status = await cli.run(["status", "r"])
        #expect(status.stdout.contains("rejected"), "\(status.stdout)")
    }
}
