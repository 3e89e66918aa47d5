import DroprunTestSupport
import Foundation
import Testing

/// `blockingWork` must not keep what its work captured past its return: a test's root was removed on the
/// worker thread after the test ended, racing the process's exit, and `swift test` left `droprun-test-*` folders.
@Suite struct OffThePoolTests {
    final class Probe: Sendable {}

    @Test func workIsReleasedBeforeTheCallerResumes() async throws {
        var stillHeld = 0
        for _ in 0..<200 {
            var probe = Probe()
            try await blockingWork { [probe] in withExtendedLifetime(probe) {} }
            if !isKnownUniquelyReferenced(&probe) { stillHeld += 1 }
        }
        #expect(stillHeld == 0, "the worker thread still held the work's captures in \(stillHeld) of 200 calls")
    }

    /// What the test above protects: a root captured by blocking work is gone when the test lets it go.
    @Test func aRootCapturedByBlockingWorkIsRemovedWhenTheTestEnds() async throws {
        var path = ""
        do {
            let root = try TemporaryRoot()
            path = root.path
            _ = try await blockingWork { root.exists("inbox") }
        }
        #expect(!FileManager.default.fileExists(atPath: path), "left behind: \(path)")
    }
}
