import Foundation
import Testing
import DroprunTestSupport

@testable import DroprunKit

/// droprun's own failure codes are one closed enum, and the README lists every one of them.
@Suite struct StepFailureTests {
    @Test func everyCodeIsInTheReadmesListOfFailureCodes() throws {
        let readme = PackageRoot.file("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: "Failure codes droprun itself uses:"))
        let list = text[start.upperBound...].prefix(1_500)
        for code in StepFailure.Code.allCases {
            #expect(list.contains("`\(code.rawValue)`"), "README's failure codes should list `\(code.rawValue)`")
        }
    }

    @Test(arguments: StepFailure.Code.allCases)
    func aCodeIsRetryableByDefaultOnlyWhenDocumentedSo(_ code: StepFailure.Code) {
        #expect(StepFailure(code, "m").retryable == (code == .stepTimeout || code == .rateLimited))
        #expect(StepFailure(code, "m").code == code.rawValue)
    }
}
