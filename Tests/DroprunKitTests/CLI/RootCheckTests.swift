import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Item 7: only `init` makes a root; every other command refuses a folder that is not one (exit 2).
@Suite struct RootCheckTests {
    static let commands: [[String]] = [
        ["run", "--once"], ["list"], ["status", "x"], ["show", "x"], ["artifacts", "x"], ["submit", "req.json"], ["validate", "req.json"],
        ["approve", "x"], ["cancel", "x"], ["retry", "x"], ["audit"], ["audit", "verify"], ["providers"], ["fixtures", "verify"],
    ]

    @Test(arguments: commands)
    func aFolderThatIsNotARootIsRefusedAndLeftAlone(_ arguments: [String]) async throws {
        let folder = try TemporaryRoot(initialized: false)
        try folder.write("req.json", RequestText.make(id: "x", steps: [#"{"id": "a", "provider": "echo", "with": {}}"#]))
        let result = await CLITester(root: folder.path).run(arguments)
        #expect(result.code == .usage, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stderr.contains("not a droprun root: \(folder.path) (create one with droprun init \(folder.path), or pass --root)"),
            "\(result.stderr)")
        #expect(folder.list("") == ["req.json"], "the command made folders in a non-root")
    }

    @Test func theMessageNamesDropRunRootWhenTheRootCameFromIt() async throws {
        let folder = try TemporaryRoot(initialized: false)
        let result = await CLITester(root: "/", variables: ["DROPRUN_ROOT": folder.path]).run(["list"])
        #expect(result.code == .usage)
        #expect(result.stderr.contains("not a droprun root: \(folder.path) (from $DROPRUN_ROOT)"), "\(result.stderr)")
        let flag = await CLITester(root: "/", variables: ["DROPRUN_ROOT": folder.path]).run(["list", "--root", folder.path])
        #expect(!flag.stderr.contains("DROPRUN_ROOT"), "\(flag.stderr)")
    }

    /// A folder with only `droprun.json` (or only `inbox/`) is a root: the other folders are made.
    @Test(arguments: ["droprun.json", "inbox/"])
    func aRootWithSomeFoldersMissingGetsThem(_ marker: String) async throws {
        let folder = try TemporaryRoot(initialized: false)
        if marker.hasSuffix("/") {
            try FileManager.default.createDirectory(atPath: folder.file(marker), withIntermediateDirectories: true)
        } else {
            try folder.write(marker, #"{"durability": "fast"}"#)
        }
        let result = await CLITester(root: folder.path).run(["run", "--once"])
        #expect(result.code == .success, "\(result.stderr)")
        for sub in ["inbox", "outbox/results", "outbox/running", "outbox/rejected", "artifacts"] { #expect(folder.exists(sub), "\(sub)") }
    }
}

/// A folder inside another root's run data is not made a root, and a command run there is pointed at the outer root.
@Suite struct EnclosingRootTests {
    @Test(arguments: ["inbox", "outbox/results", "artifacts/r1"])
    func initRefusesAFolderInsideAnotherRootsRunData(_ inside: String) async throws {
        let root = try TemporaryRoot()
        let target = root.file(inside + "/nested")
        let result = await CLITester(root: root.path).run(["init", target])
        #expect(result.code == .usage, "\(result.stdout)\(result.stderr)")
        let folder = String(inside.prefix { $0 != "/" })
        #expect(result.stderr.contains("it is inside \(folder)/ of the droprun root \(root.path)"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target), "init made the nested root anyway")
    }

    @Test func aCommandRunInsideARootsInboxNamesTheRoot() async throws {
        let root = try TemporaryRoot()
        let inbox = root.file("inbox")
        let result = await CLITester(root: inbox).run(["list"])
        #expect(result.code == .usage)
        #expect(
            result.stderr.contains("not a droprun root: \(inbox) (it is inside inbox/ of the droprun root \(root.path): pass --root \(root.path)"),
            "\(result.stderr)")
    }

    @Test func aFolderBesideARootIsStillMadeOne() async throws {
        let root = try TemporaryRoot()
        let beside = root.file("workflows/elsewhere")
        let result = await CLITester(root: root.path).run(["init", beside])
        #expect(result.code == .success, "\(result.stderr)")
        #expect(RootLayout.enclosingRoot(of: beside, fileSystem: PosixFileSystem()) == nil)
    }
}
