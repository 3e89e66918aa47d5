import DroprunTestSupport
import Foundation
import Synchronization
import Testing

@testable import DroprunKit

/// Group commit's flushes, and the reaper's removals, block: they run on threads of their own, never Dispatch's.
///
/// On Linux, Dispatch's queues (private ones too) run on the worker threads Swift concurrency shares, so a
/// `syncfs` there held a thread the runner's timers and heartbeats need.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/proc/thread-self/comm"), "reads /proc")) struct GroupCommitTests {
    @Test func flushesRunOnAThreadOfTheirOwn() async throws {
        let root = try TemporaryRoot()
        let threads = Mutex<[String]>([])
        let commit = GroupCommit(root: root.path) { _ in
            threads.withLock { $0.append(ProcessTable.readText("/proc/thread-self/comm")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") }
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { try? await commit.commit() } }
        }
        let names = threads.withLock { $0 }
        #expect(!names.isEmpty)
        #expect(names.allSatisfy { $0 == "droprun-commit" }, "\(names)")
        #expect(commit.flushCount == names.count)
    }

    @Test func workIsDoneInTheOrderAskedOnTheWorkThread() async {
        let worker = WorkThread(name: "droprun-test")
        let seen = Mutex<[Int]>([])
        let names = Mutex<Set<String>>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for i in 0..<100 {
                worker.submit {
                    seen.withLock { $0.append(i) }
                    names.withLock {
                        _ = $0.insert(ProcessTable.readText("/proc/thread-self/comm")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
                    }
                }
            }
            worker.submit { done.resume() }
        }
        #expect(seen.withLock { $0 } == Array(0..<100))
        #expect(names.withLock { $0 } == ["droprun-test"])
    }
}
