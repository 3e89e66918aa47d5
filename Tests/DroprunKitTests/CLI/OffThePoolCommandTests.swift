import DroprunTestSupport
import Testing

@testable import DroprunKit

/// `health`, `stats` and `report` read the root on a thread of their own (`CommandContext.offThePool`), not the pool's.
@Suite struct OffThePoolCommandTests {
    @Test(arguments: [["health"], ["health", "--deep"], ["stats"], ["report", "-o", "-"]])
    func theReadingCommandsReadTheRootOffThePool(arguments: [String]) async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.write("outbox/running/busy.json", "{")
        try root.write("outbox/audit/otherhost-1/2026-12-01.jsonl", "")
        let fs = FaultyFileSystem()
        _ = await CLITester(root: root.path).run(arguments, fileSystem: fs)
        let running = root.file("outbox/running")
        let threads = zip(fs.operations, fs.operationThreads).filter { $0.0.hasPrefix("list ") && $0.0.hasSuffix(running) }.map(\.1)
        #expect(!threads.isEmpty, "\(arguments): outbox/running/ was not read")
        #expect(threads.allSatisfy { $0 == CommandContext.readingThreadName }, "\(arguments) read outbox/running/ on \(threads)")
        if arguments.contains("--deep") {
            let audit = zip(fs.operations, fs.operationThreads).filter { $0.0.hasPrefix("list ") && $0.0.contains("outbox/audit") }.map(\.1)
            #expect(!audit.isEmpty && audit.allSatisfy { $0 == CommandContext.readingThreadName }, "the audit was read on \(audit)")
        }
    }
}
