import Foundation
import Testing

@testable import DroprunKit

/// The JSONTestSuite parsing files (github.com/nst/JSONTestSuite, MIT licence), run by hand; they are not part of the project.
///
/// `DROPRUN_JSONTESTSUITE=/path/to/JSONTestSuite/test_parsing swift test --filter JSONTestSuiteTests`:
/// every `y_` file parses (and survives the writer), every `n_` file is
/// refused with a `JSONParseError`, every `i_` file either, without a crash.
@Suite struct JSONTestSuiteTests {
    static let folder = ProcessInfo.processInfo.environment["DROPRUN_JSONTESTSUITE"]

    /// JSON that droprun refuses on purpose: which of two equal keys wins is ambiguous (README, `invalid_json`).
    static let refusedOnPurpose: Set<String> = ["y_object_duplicated_key.json", "y_object_duplicated_key_and_value.json"]

    @Test(.enabled(if: folder != nil, "set DROPRUN_JSONTESTSUITE to JSONTestSuite's test_parsing folder"))
    func parsingFiles() throws {
        let folder = try #require(Self.folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
        var accepted: [String] = []
        var refused: [String] = []
        for name in names {
            let bytes = Array(try #require(FileManager.default.contents(atPath: folder + "/" + name)))
            switch Result(catching: { () throws(JSONParseError) in try JSONParser.parse(bytes) }) {
            case .success(let value):
                accepted.append(name)
                #expect(!name.hasPrefix("n_"), "\(name) is not JSON, but was accepted")
                #expect(try JSONParser.parse(JSONWriter.compactBytes(value)) == value, "\(name) changed through the writer")
            case .failure(let error):
                refused.append(name)
                #expect(!name.hasPrefix("y_") || Self.refusedOnPurpose.contains(name), "\(name) is JSON, but was refused: \(error)")
            }
        }
        print(
            "JSONTestSuite: \(accepted.count) accepted, \(refused.count) refused; i_ accepted: \(accepted.filter { $0.hasPrefix("i_") }); i_ refused: \(refused.filter { $0.hasPrefix("i_") })"
        )
    }
}
