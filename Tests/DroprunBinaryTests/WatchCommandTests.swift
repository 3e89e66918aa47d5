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
    /// `droprun watch` as a real process: it serves drops and stops cleanly on a signal.
    ///
    /// Every test works on its own fresh root with `"durability": "fast"`.
    @Suite(.serialized) struct WatchCommandTests {
        @Test func watchServesDropsAndStopsCleanlyOnSIGTERMAndSIGINT() async throws {
            for signal in [SIGTERM, SIGINT] {
                let root = try makeRoot()
                let watcher = try BuiltBinary.start(["watch", "--poll-interval-ms", "50"], root: root.path)
                try await Task.sleep(for: .milliseconds(200))
                try root.write("inbox/.served.json.tmp", echoRequest(id: "served"))
                #expect(rename(root.file("inbox/.served.json.tmp"), root.file("inbox/served.json")) == 0)
                let deadline = Date().addingTimeInterval(10)
                while Date() < deadline, !root.exists("outbox/results/served.json") { try await Task.sleep(for: .milliseconds(20)) }
                #expect(root.json("outbox/results/served.json")?["status"]?.stringValue == "succeeded", "watch did not run the drop")
                kill(watcher.processIdentifier, signal)
                let result = try await waitFor(watcher, timeout: 15)
                #expect(result.code == 0, "watch must exit 0 on signal \(signal): \(result.stdout) \(result.stderr)")
                #expect(try await droprun(["audit", "verify"], root).code == 0)
            }
        }
    }
}
