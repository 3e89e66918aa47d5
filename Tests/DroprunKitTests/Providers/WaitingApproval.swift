import DroprunTestSupport
import Foundation
import Testing

/// A root whose run `r1` waits at its approval step `ok` (then an echo), for the tests of decisions and cancels.
enum WaitingApproval {
    /// The time the run waits from.
    static let start = Date(timeIntervalSince1970: 1_767_225_600)

    /// The request: an approval (expiring after `expires` seconds, if given), then an echo.
    static func request(expires: Int? = nil) -> String {
        let expiry = expires.map { #", "expiresAfterSeconds": \#($0)"# } ?? ""
        return RequestText.make(
            id: "r1",
            steps: [
                #"{"id": "ok", "provider": "approval", "with": {"message": "ship it?"\#(expiry)}}"#,
                #"{"id": "after", "provider": "echo", "with": {"done": true}}"#,
            ])
    }

    /// A fast root with `r1` run by `run --once` up to its approval, and a command line on it (user `alice`).
    static func root(expires: Int? = nil) async throws -> (TemporaryRoot, CLITester) {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop("r1.json", request(expires: expires))
        let cli = CLITester(root: root.path, clock: InstantClock(start: start), variables: ["USER": "alice"])
        let ran = await cli.run(["run", "--once"])
        #expect(ran.stdout.contains("waiting   r1"), "\(ran.stdout)")
        return (root, cli)
    }
}
