import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Runs every fixture under `fixtures/` and compares its result and artifacts with `expected/`.
///
/// Set `DROPRUN_RECORD_FIXTURES=1` to write `expected/` anew. (The `droprun
/// fixtures` command will take this over.)
@Suite struct FixtureTests {
    static let fixturesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures").path

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixturesFolder)) ?? []).filter {
            FileManager.default.fileExists(atPath: Path.join(fixturesFolder, $0, "request.json"))
        }.sorted()
    }

    @Test func thereAreFixtures() { #expect(Self.names.count >= 5) }

    @Test(arguments: names)
    func fixture(_ name: String) async throws {
        let folder = Path.join(Self.fixturesFolder, name)
        let root = try TemporaryRoot()
        let request = try String(contentsOfFile: Path.join(folder, "request.json"), encoding: .utf8)
        try root.drop("request.json", request)
        try await root.runOnce()
        let resultName = try #require(root.list("outbox/results").first, "no result")
        let runId = String(resultName.dropLast(5))
        let actual = JSONWriter.pretty(FixtureNormalizer.normalize(try #require(root.json("outbox/results/" + resultName))))
        var files: [(String, String)] = [("result.json", actual)]
        for artifact in root.list("artifacts/\(runId)") where artifact != "manifest.json" {
            files.append(("artifacts/" + artifact, root.read("artifacts/\(runId)/\(artifact)") ?? ""))
        }
        let expected = Path.join(folder, "expected")
        if ProcessInfo.processInfo.environment["DROPRUN_RECORD_FIXTURES"] == "1" {
            for (file, text) in files {
                let path = Path.join(expected, file)
                try FileManager.default.createDirectory(atPath: Path.parent(path), withIntermediateDirectories: true)
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            }
            return
        }
        for (file, text) in files {
            let want = try? String(contentsOfFile: Path.join(expected, file), encoding: .utf8)
            #expect(want == text, "fixture \(name): \(file) differs from expected/\(file)")
        }
    }
}
