import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun fixtures verify` over the project's own fixtures, so a behaviour change shows as a diff.
@Suite struct FixtureTests {
    static let fixturesFolder = PackageRoot.file("fixtures").path

    static var names: [String] { FixtureRunner().names(in: fixturesFolder) }

    @Test func thereAreEnoughFixtures() { #expect(Self.names.count >= 15) }

    @Test(arguments: names)
    func fixtureMatchesExpected(_ name: String) async throws {
        let runner = FixtureRunner()
        let folder = Path.join(Self.fixturesFolder, name)
        let diffs = FixtureRunner.compare(expected: runner.expected(folder), actual: try await runner.run(folder), fixture: name)
        #expect(diffs.isEmpty, "\(diffs.joined(separator: "\n"))")
    }

    @Test func aBrokenExpectedFileFailsWithADiffNamingIt() async throws {
        let root = try TemporaryRoot()
        let source = Path.join(Self.fixturesFolder, "template-transform-artifact")
        try FileManager.default.copyItem(atPath: source, toPath: root.file("fixtures/letter"))
        let expected = root.file("fixtures/letter/expected/result.json")
        let text = try String(contentsOfFile: expected, encoding: .utf8).replacingOccurrences(of: "\"succeeded\"", with: "\"failed\"")
        try text.write(toFile: expected, atomically: true, encoding: .utf8)
        try root.write("fixtures/letter/expected/artifacts/letter.txt", "something else\n")
        let cli = CLITester(root: root.path)
        let result = await cli.run(["fixtures", "verify"])
        #expect(result.code == .failure)
        #expect(result.stdout.contains("MISMATCH  letter"))
        #expect(result.stdout.contains("letter: expected/result.json differs:"))
        #expect(result.stdout.contains("--- expected/result.json\n+++ actual/result.json"))
        #expect(result.stdout.contains("-  \"status\": \"failed\","))
        #expect(result.stdout.contains("+  \"status\": \"succeeded\","))
        #expect(result.stdout.contains("letter: expected/artifacts/letter.txt differs:"))

        let recorded = await cli.run(["fixtures", "record", "letter"])
        #expect(recorded.code == .success)
        #expect(recorded.stdout.contains("changed expected/result.json"))
        #expect(recorded.stdout.contains("changed expected/artifacts/letter.txt"))
        #expect(await cli.run(["fixtures", "verify", "letter"]).code == .success)
        let unknown = await cli.run(["fixtures", "verify", "leter"])
        #expect(unknown.code == .usage)
        #expect(unknown.stderr.contains("did you mean 'letter'?"))
    }

    @Test func unifiedDiffShowsContextAndChanges() {
        let old = (1...10).map { "line \($0)" }.joined(separator: "\n")
        let new = old.replacingOccurrences(of: "line 5", with: "line five")
        let diff = UnifiedDiff.render(old, new, oldName: "a", newName: "b")
        #expect(diff == "--- a\n+++ b\n@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6\n line 7\n line 8\n")
        #expect(UnifiedDiff.render(old, old, oldName: "a", newName: "b").isEmpty)
    }

    @Test func normalizerReplacesWhatVaries() {
        let value: JSONValue = [
            "createdAt": "2026-01-01T00:00:00.000Z", "durationMs": 12, "runner": "h:1", "startedAt": nil,
            "path": "/tmp/x/artifacts/a", "status": "succeeded", "steps": [["id": "b", "beside": ["a"]]],
        ]
        #expect(
            FixtureNormalizer.normalize(value, root: "/tmp/x") == [
                "createdAt": "<time>", "durationMs": "<duration>", "runner": "<runner>", "startedAt": nil, "path": "<root>/artifacts/a",
                "status": "succeeded", "steps": [["id": "b"]],
            ], "beside says how steps happened to overlap: left out")
    }
}
