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

    @Test func aRecordNamingGroupOneOrAGroupItsProcessDoesNotLeadIsRefused() async {
        // Read back as no process at all: nothing in a record makes the runner signal `-1` or a group it did not start.
        #expect(ProcessIdentity(json: ["pid": 1, "group": 1, "host": "h"]) == nil)
        #expect(ProcessIdentity(json: ["pid": 4242, "group": 4243, "host": "h"]) == nil)
        #expect(ProcessIdentity(json: ["pid": 4242, "group": 4242, "host": "h"]) != nil)
        let here = ProcessIdentity.ofChild(getpid())
        for (pid, group) in [(Int32(1), Int32(1)), (0, 0), (getpid(), getpgrp()), (getsid(0), getsid(0)), (getpgrp(), getpgrp())] {
            var identity = here
            identity.pid = pid
            identity.group = group
            #expect(!LeftoverProcessGroup.isSignallable(identity), "pid \(pid) group \(group)")
            // Refused before anything is looked at, let alone signalled.
            #expect(await LeftoverProcessGroup.end(identity, grace: .milliseconds(10), clock: SystemClock()) == .refused)
        }
    }

    /// Starts `sleep 30` in a group of its own (Foundation's `Process` makes one), which no runner started.
    func startStranger() throws -> Foundation.Process {
        let stranger = Foundation.Process()
        stranger.executableURL = URL(fileURLWithPath: "/bin/sleep")
        stranger.arguments = ["30"]
        try stranger.run()
        return stranger
    }

    @Test(.enabled(if: ProcessTable.entry(getpid()) != nil, "reads /proc"))
    func aRecordNamingAnUnrelatedGroupLeavesItAlone() async throws {
        let stranger = try startStranger()
        defer { stranger.terminate() }
        let pid = stranger.processIdentifier
        let deadline = Date().addingTimeInterval(5)
        while ProcessTable.entry(pid)?.group != pid, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let entry = try #require(ProcessTable.entry(pid))
        try #require(entry.group == pid, "the stranger does not lead a group of its own")
        // A record naming it, as a record of another runner's child would, without the start time that proves it:
        // it cannot be checked, so it is not signalled.
        var unproven = ProcessIdentity.ofChild(pid)
        unproven.startTime = nil
        #expect(await LeftoverProcessGroup.end(unproven, grace: .milliseconds(100), clock: SystemClock()) == .unchecked)
        var noBoot = ProcessIdentity.ofChild(pid)
        noBoot.bootId = nil
        noBoot.pidNamespace = ProcessTable.pidNamespace
        #expect(await LeftoverProcessGroup.end(noBoot, grace: .milliseconds(100), clock: SystemClock()) != .ended(signal: SIGTERM))
        // Naming its group through another process id (the group is not led by the recorded process): refused.
        var borrowed = ProcessIdentity.ofChild(pid)
        borrowed.pid = getpid()
        #expect(await LeftoverProcessGroup.end(borrowed, grace: .milliseconds(100), clock: SystemClock()) == .refused)
        // An older start time than the stranger's: not the recorded child.
        var older = ProcessIdentity.ofChild(pid)
        older.startTime = entry.startTime - 1
        #expect(await LeftoverProcessGroup.end(older, grace: .milliseconds(100), clock: SystemClock()) == .gone)
        try await Task.sleep(for: .milliseconds(50))
        #expect(ProcessTable.entry(pid).map { $0.state != "Z" } == true, "a process no runner started was signalled")
        #expect(stranger.isRunning)
    }

    /// Starts `sh -c 'sleep 30 & wait'` in a group of its own, without the shim; returns it and its grandchild's pid.
    func startGroup() async throws -> (any RunningProcess, Int32) {
        let spec = ProcessSpec(
            path: "/bin/sh", arguments: ["-c", "sleep 30 & echo $!; wait"], environment: ["PATH": "/usr/bin:/bin"],
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
