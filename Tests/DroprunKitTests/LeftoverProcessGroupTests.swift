import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// Ending a dead runner's leftover process group: only the recorded one, and only once none of it runs.
@Suite struct LeftoverProcessGroupTests {
    @Test func statLinesWithSpacesAndParenthesesInTheNameAreRead() {
        let line = "4242 (a (weird) name) S 1 4240 4240 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 18446744073709551615"
        #expect(ProcessTable.parse(line) == ProcessTable.Entry(state: "S", group: 4240, startTime: 987654))
        #expect(ProcessTable.parse("garbage") == nil)
    }

    @Test func anIdentityRoundTripsThroughItsJSON() {
        let identity = ProcessIdentity(pid: 12, group: 12, startTime: 345, host: "h", bootId: "b", pidNamespace: "pid:[1]")
        #expect(ProcessIdentity(json: identity.json) == identity)
        #expect(ProcessIdentity(json: ["pid": 0, "group": 1, "host": "h"]) == nil)
    }

    /// Starts `sh -c 'sleep 30 & wait'` in a group of its own, without the shim; returns it and its grandchild's pid.
    func startGroup() async throws -> (any RunningProcess, Int32) {
        let spec = ProcessSpec(path: "/bin/sh", arguments: ["-c", "sleep 30 & echo $!; wait"], environment: ["PATH": "/usr/bin:/bin"],
                               workingDirectory: nil, standardInput: [])
        let process = try await PosixProcessLauncher().start(spec)
        var grandchild: Int32?
        let deadline = Date().addingTimeInterval(5)
        while grandchild == nil, Date() < deadline {
            grandchild = ProcessTable.groupMembers(process.identity.group).first { $0 != process.identity.pid }
            if grandchild == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        return (process, try #require(grandchild))
    }

    @Test(.enabled(if: ProcessTable.entry(getpid()) != nil, "reads /proc"))
    func theRecordedGroupIsEndedAndWaitedFor() async throws {
        let (process, grandchild) = try await startGroup()
        #expect(LeftoverProcessGroup.isRunning(process.identity))
        let outcome = await LeftoverProcessGroup.end(process.identity, grace: .seconds(2), clock: SystemClock())
        #expect(outcome == .ended(signal: SIGTERM))
        #expect(ProcessTable.entry(grandchild).map { $0.state == "Z" } ?? true, "the grandchild still runs")
        let result = await process.wait()
        #expect(result.signal == SIGTERM)
    }

    @Test(.enabled(if: ProcessTable.entry(getpid()) != nil, "reads /proc"))
    func aReusedProcessIdIsNotTakenForTheRecordedChild() async throws {
        let (process, grandchild) = try await startGroup()
        var stranger = process.identity
        stranger.startTime = (stranger.startTime ?? 0) + 1
        #expect(!LeftoverProcessGroup.isRunning(stranger))
        #expect(await LeftoverProcessGroup.end(stranger, grace: .seconds(2), clock: SystemClock()) == .gone)
        var elsewhere = process.identity
        elsewhere.host += ".other"
        #expect(await LeftoverProcessGroup.end(elsewhere, grace: .seconds(2), clock: SystemClock()) == .elsewhere)
        #expect(ProcessTable.entry(grandchild)?.state != "Z", "a process that is not the recorded one was signalled")
        process.signal(SIGKILL)
        _ = await process.wait()
    }
}
