import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// What cron does: `droprun run --once` from a folder that is not a root, as a real process (exit 2, nothing created).
@Suite struct RootCheckBinaryTests {
    @Test func cronLineWithoutCdExitsTwoAndCreatesNothing() throws {
        let folder = try TemporaryRoot(initialized: false)
        let output = try BuiltBinary.run(["run", "--once"], root: nil, workingDirectory: folder.path, timeout: 60)
        #expect(output.code == 2, "\(output.stdout)\(output.stderr)")
        #expect(output.stderr.contains("not a droprun root"), "\(output.stderr)")
        #expect(folder.list("").isEmpty, "created: \(folder.list(""))")
    }
}
