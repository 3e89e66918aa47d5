import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The README's sample `droprun.json` is one droprun accepts, so the documentation cannot drift from the reader.
@Suite struct ReadmeConfigurationTests {
    @Test func theSampleInConfigurationIsAValidConfiguration() throws {
        let readme = try String(contentsOf: PackageRoot.file("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "## Configuration"))
        let open = try #require(readme.range(of: "```json\n", range: section.upperBound..<readme.endIndex))
        let close = try #require(readme.range(of: "```", range: open.upperBound..<readme.endIndex))
        let sample = String(readme[open.upperBound..<close.lowerBound])
        let configuration = try Configuration.parse(try JSONParser.parse(Array(sample.utf8)), file: "README.md")
        #expect(configuration.httpEndpoints["crm"]?.headers["Authorization"] == SecretHeader(env: "CRM_TOKEN", prefix: "Bearer "))
        #expect(configuration.execCommands["wc"]?.path == "/usr/bin/wc")
    }
}
