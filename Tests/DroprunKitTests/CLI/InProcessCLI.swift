import DroprunTestSupport

@testable import DroprunKit

/// Runs the command line in-process on `root` (as `--root root`, from `root`), as the built binary would: the in-process
/// twin of the binary tests' `droprun`, for tables of usage, help, validate and rejection cases.
func droprun(_ args: [String], _ root: TemporaryRoot) async throws -> (code: Int32, stdout: String, stderr: String) {
    let result = await CLITester(root: root.path).run(["--root", root.path] + args)
    return (result.code.rawValue, result.stdout, result.stderr)
}
