import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// Writers that write into the inbox in place (cp, curl -o, scp, tar -x, a shell redirect) against the built binary and a running `watch`.
@Suite(.serialized) struct InPlaceWriterTests {
    /// Waits until `condition` holds or `seconds` of real time pass (`DroprunTestSupport.eventually`).
    static func eventually(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
        await DroprunTestSupport.eventually(seconds, condition)
    }

    static func request(_ n: Int, padding: Int) -> [UInt8] {
        Array(
            RequestText.make(steps: [#"{"id": "s", "provider": "echo", "with": {"n": \#(n), "pad": "\#(String(repeating: "x", count: padding))"}}"#])
                .utf8)
    }

    /// Writes `bytes` to `path` in place, in `chunks` pieces with `pauseMs` between them, after `delayMs` with the file open and empty.
    static func writeInPlace(_ path: String, _ bytes: [UInt8], chunks: Int, pauseMs: Int, delayMs: Int = 0) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        if delayMs > 0 { usleep(UInt32(delayMs) * 1000) }
        let size = (bytes.count + chunks - 1) / chunks
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + size)
            _ = bytes[offset..<end].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            offset = end
            if offset < bytes.count { usleep(UInt32(pauseMs) * 1000) }
        }
    }

    /// Every file written in place, in chunks with pauses, opened long before its first byte, or created empty and filled later, runs; none is rejected.
    @Test(.timeLimit(.minutes(2)))
    func filesWrittenInPlaceWithPausesAreTakenWhole() async throws {
        let root = try TemporaryRoot()
        let watch = try BuiltBinary.start(["watch", "--durability", "fast"], root: root.path)
        defer { kill(watch.processIdentifier, SIGTERM) }
        let heartbeats = root.file("outbox/runners")
        #expect(await Self.eventually(10) { !((try? FileManager.default.contentsOfDirectory(atPath: heartbeats)) ?? []).isEmpty })

        let inbox = root.file("inbox")
        var expected: [String] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<6 {
                let name = "chunks-\(i).json"
                expected.append(name)
                let bytes = Self.request(i, padding: i * 40_000)
                group.addTask { try await blockingWork { try Self.writeInPlace(Path.join(inbox, name), bytes, chunks: 4, pauseMs: 150) } }
            }
            // Opened (empty) long before its first byte, like `(sleep 2; cat req.json) > inbox/x.json`.
            expected.append("late.json")
            let late = Self.request(99, padding: 10)
            group.addTask {
                try await blockingWork { try Self.writeInPlace(Path.join(inbox, "late.json"), late, chunks: 1, pauseMs: 0, delayMs: 1_200) }
            }
            // Created empty and closed (a placeholder, like `touch`), then written a second later by a new writer.
            expected.append("placeholder.json")
            let placeholder = Self.request(7, padding: 100)
            group.addTask {
                try await blockingWork {
                    let path = Path.join(inbox, "placeholder.json")
                    try Self.writeInPlace(path, [], chunks: 1, pauseMs: 0)
                    usleep(1_000_000)
                    try Self.writeInPlace(path, placeholder, chunks: 1, pauseMs: 0)
                }
            }
            try await group.waitForAll()
        }
        let done = await Self.eventually(30) { root.list("outbox/results").count >= expected.count || !root.list("outbox/rejected").isEmpty }
        kill(watch.processIdentifier, SIGTERM)
        let output = try await blockingWork { try watch.wait(timeout: 30) }
        #expect(done)
        #expect(root.list("outbox/rejected").isEmpty, "rejected: \(root.list("outbox/rejected")); \(output.stdout)")
        #expect(root.list("outbox/results").sorted() == expected.sorted(), "\(output.stdout)\(output.stderr)")
        for name in expected {
            #expect(root.json("outbox/results/" + name)?["status"]?.stringValue == "succeeded", "\(name)")
        }
    }

    /// Files that arrive by `link(2)` (as `droprun submit`, `approve` and `cancel` drop theirs, and `ln`) raise only
    /// `IN_CREATE`, as do a folder, a symbolic link and a FIFO: a running `watch` takes each of them, never waits for a close.
    @Test(.timeLimit(.minutes(2)))
    func filesLinkedOrCreatedWholeAreTakenByARunningWatch() async throws {
        let root = try TemporaryRoot()
        let watch = try BuiltBinary.start(["watch", "--durability", "fast"], root: root.path)
        defer { kill(watch.processIdentifier, SIGTERM) }
        let heartbeats = root.file("outbox/runners")
        #expect(await Self.eventually(10) { !((try? FileManager.default.contentsOfDirectory(atPath: heartbeats)) ?? []).isEmpty })

        let source = root.file("submitted.json")
        try Data(Self.request(1, padding: 10)).write(to: URL(fileURLWithPath: source))
        let submitted = try await blockingWork { try BuiltBinary.run(["submit", source], root: root.path) }
        #expect(submitted.code == 0, "\(submitted.stderr)")
        let linked = root.file("linked-source.json")
        try Data(Self.request(2, padding: 10)).write(to: URL(fileURLWithPath: linked))
        #expect(link(linked, root.file("inbox/linked.json")) == 0)
        #expect(symlink("/etc/hostname", root.file("inbox/sym.json")) == 0)
        #expect(mkfifo(root.file("inbox/fifo.json"), 0o644) == 0)
        #expect(mkdir(root.file("inbox/folder.json"), 0o755) == 0)

        let done = await Self.eventually(20) {
            root.list("outbox/results").count >= 2 && root.list("outbox/rejected").filter { !$0.hasSuffix(".error.json") }.count >= 3
        }
        kill(watch.processIdentifier, SIGTERM)
        let output = try await blockingWork { try watch.wait(timeout: 30) }
        #expect(
            done, "results \(root.list("outbox/results")), rejected \(root.list("outbox/rejected")), inbox \(root.list("inbox")); \(output.stdout)")
        #expect(root.json("outbox/results/submitted.json")?["status"]?.stringValue == "succeeded")
        #expect(root.json("outbox/results/linked.json")?["status"]?.stringValue == "succeeded")
        for name in ["sym.json", "fifo.json", "folder.json"] {
            #expect(root.json("outbox/rejected/\(name).error.json")?["reason"]?.stringValue == "not_regular_file", "\(name)")
        }
    }

    /// `run --once` started while a writer is halfway does not reject the file: it looks again and runs it once whole.
    @Test(.timeLimit(.minutes(2)))
    func runOnceWaitsForAWriterStillWriting() async throws {
        let root = try TemporaryRoot()
        let path = root.file("inbox/slow.json")
        let bytes = Self.request(1, padding: 2_000)
        let writer = Task { try await blockingWork { try Self.writeInPlace(path, bytes, chunks: 2, pauseMs: 1_500) } }
        #expect(await Self.eventually(5) { ((try? PosixFileSystem().info(path))?.size ?? 0) > 0 })
        let result = try await blockingWork { try BuiltBinary.run(["run", "--once", "--durability", "fast"], root: root.path) }
        try await writer.value
        #expect(result.code == 0, "\(result.stdout)\(result.stderr)")
        #expect(root.list("outbox/rejected").isEmpty)
        #expect(root.json("outbox/results/slow.json")?["status"]?.stringValue == "succeeded")
    }
}
