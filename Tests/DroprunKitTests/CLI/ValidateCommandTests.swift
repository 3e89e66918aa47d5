import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `droprun validate`: JSON paths, exit codes, and every provider of the contract, in-process.
@Suite struct ValidateCommandTests {
    @Test func validateReportsJSONPathsAndExitCodes() async throws {
        let root = try makeRoot()
        try root.write("good.json", echoRequest(id: "val-good"))
        try root.write("bad.json", badProviderRequest(id: "val-bad"))
        try root.write("broken.json", "{ nope")

        let good = try await droprun(["validate", "good.json"], root)
        #expect(good.code == 0, "\(good)")
        let goodJSON = try #require(parse(try await droprun(["validate", "--json", "good.json"], root).stdout))
        #expect(goodJSON.arrayValue?.first?["valid"]?.boolValue == true)
        #expect(goodJSON.arrayValue?.first?["runId"]?.stringValue == "val-good")

        let bad = try await droprun(["validate", "bad.json"], root)
        #expect(bad.code == 1)
        #expect(bad.stdout.contains("$.workflow.steps[0].provider"), "validate does not print the JSON path: \(bad.stdout)")
        let badRun = try await droprun(["validate", "bad.json", "--json"], root)
        #expect(badRun.code == 1)
        let entry = try #require(parse(badRun.stdout)?.arrayValue?.first)
        #expect(entry["valid"]?.boolValue == false)
        #expect(entry["reason"]?.stringValue == "invalid_request")
        #expect(entry["errors"]?.arrayValue?.contains { $0["path"]?.stringValue == "$.workflow.steps[0].provider" } == true)

        let mixed = try await droprun(["validate", "good.json", "bad.json", "broken.json", "--json"], root)
        #expect(mixed.code == 1)
        let entries = parse(mixed.stdout)?.arrayValue ?? []
        #expect(entries.map { $0["valid"]?.boolValue } == [true, false, false])
        #expect(entries.last?["reason"]?.stringValue == "invalid_json")
        #expect(allEntries(root.file("inbox")).isEmpty && allEntries(root.file("outbox/results")).isEmpty, "validate ran or placed something")
    }

    /// Section 4: every built-in provider of the contract is known (exec once the configuration names an alias).
    @Test(arguments: [
        #"{"id":"e","provider":"echo","with":{"a":1}}"#,
        #"{"id":"t","provider":"template","with":{"template":"x"}}"#,
        #"{"id":"t","provider":"transform","with":{"value":"a b","op":"wordCount"}}"#,
        #"{"id":"l","provider":"llm","with":{"model":"stub-large","prompt":"p","maxTokens":5}}"#,
        #"{"id":"a","provider":"artifact","with":{"name":"a.json","json":{"k":1},"mediaType":"application/json"}}"#,
        #"{"id":"f","provider":"fail","with":{"code":"c","message":"m"}}"#,
        #"{"id":"d","provider":"delay","with":{"ms":1}}"#,
        #"{"id":"ap","provider":"approval","with":{"message":"ok?","expiresAfterSeconds":60}}"#,
        #"{"id":"x","provider":"exec","with":{"command":"wc","args":["-c"],"input":{"k":1}}}"#,
    ])
    func contractProvidersAreKnown(_ step: String) async throws {
        let root = try makeRoot()
        try root.write("droprun.json", #"{ "durability": "fast", "providers": { "exec": { "commands": { "wc": { "path": "/usr/bin/wc" } } } } }"#)
        try root.write("req.json", #"{"workflow":{"name":"w","steps":[\#(step)]}}"#)
        let result = try await droprun(["validate", "req.json"], root)
        #expect(result.code == 0, "\(result.stdout) \(result.stderr)")
    }

    /// A request naming the provider `lmm`, which does not exist.
    private func badProviderRequest(id: String) -> String {
        #"{"id":"\#(id)","workflow":{"name":"w","steps":[{"id":"a","provider":"lmm","with":{"model":"stub-small","prompt":"hi"}}]}}"#
    }

    private func parse(_ text: String) -> JSONValue? { try? JSONParser.parse(Array(text.utf8)) }

    /// Every name in a folder, hidden ones included, sorted; empty when it does not exist.
    private func allEntries(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}
