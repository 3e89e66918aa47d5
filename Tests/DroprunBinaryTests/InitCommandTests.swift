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
    /// `droprun init` as a real process: the folders, the example, a second init.
    ///
    /// Every test works on its own fresh root with `"durability": "fast"`.
    @Suite(.serialized) struct InitCommandTests {
        @Test func initCreatesTheFoldersAndAnExample() async throws {
            let base = try TemporaryRoot(initialized: false)
            let result = try await binary(["init", "fresh"], root: nil, workingDirectory: base.path, timeout: 30)
            #expect(result.code == 0, "stderr: \(result.stderr)")
            let fresh = base.file("fresh")
            for folder in ["inbox", "outbox/running", "outbox/results", "outbox/requests", "outbox/rejected", "outbox/audit", "artifacts"] {
                #expect(isDirectory(Path.join(fresh, folder)), "init did not create \(folder)/")
            }
            let topLevel = try FileManager.default.contentsOfDirectory(atPath: fresh)
            let exampleFiles = topLevel.filter { !isDirectory(Path.join(fresh, $0)) && $0 != "droprun.json" }
            #expect(exampleFiles.contains { $0.hasSuffix(".json") }, "init wrote no example request (top level holds \(topLevel.sorted()))")
            let config = try #require(bytes(Path.join(fresh, "droprun.json")), "init wrote no droprun.json")
            #expect((try? JSONParser.parse(config))?.objectValue != nil, "init wrote a droprun.json that is not a JSON object")

            // The example request init wrote runs as it is.
            for example in exampleFiles where example.hasSuffix(".json") {
                let submitted = try await binary(["submit", example], root: fresh, workingDirectory: nil, timeout: 30)
                #expect(submitted.code == 0, "submitting the example \(example) failed: \(submitted.stderr)")
                let runId = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                let ran = try await binary(["run", "--once", "--durability", "fast"], root: fresh, workingDirectory: nil, timeout: 30)
                #expect(ran.code == 0, "the example \(example) did not succeed: \(ran.stdout) \(ran.stderr)")
                let record = json(Path.join(fresh, "outbox/results/\(runId).json"))
                #expect(record?["status"]?.stringValue == "succeeded")
            }

            // A second init changes nothing it already wrote.
            try Data(#"{ "durability": "fast" }"#.utf8).write(to: URL(fileURLWithPath: Path.join(fresh, "droprun.json")))
            let again = try await binary(["--root", fresh, "init"], root: nil, workingDirectory: base.path, timeout: 30)
            #expect(again.code == 0, "stderr: \(again.stderr)")
            #expect(text(Path.join(fresh, "droprun.json")) == #"{ "durability": "fast" }"#, "a second init replaced droprun.json")
        }
    }
}
