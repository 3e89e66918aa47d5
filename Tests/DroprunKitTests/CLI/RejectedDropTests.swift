import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A rejection's reason is read into an enum; words this droprun does not know are kept as written.
@Suite struct RejectedDropReasonTests {
    @Test(arguments: RejectionReason.allCases)
    func aKnownReasonIsTheEnum(_ reason: RejectionReason) {
        #expect(RejectedDrop.Reason(reason.rawValue) == .known(reason))
        #expect(RejectedDrop.Reason(reason.rawValue).word == reason.rawValue)
    }

    @Test func anUnknownReasonIsKeptAsWritten() throws {
        #expect(RejectedDrop.Reason("from_a_later_version") == .other("from_a_later_version"))
        #expect(RejectedDrop.Reason(nil) == .other("?"))
        let root = try TemporaryRoot()
        try root.write("outbox/rejected/x.json.error.json", #"{"file": "x.json", "reason": "from_a_later_version", "errors": []}"#)
        let drop = try #require(RejectedDrop.read("x.json", layout: root.layout, fs: PosixFileSystem()))
        #expect(drop.why == .other("from_a_later_version") && drop.reason == "from_a_later_version")
        #expect(drop.advice == "fix the request and drop it again")
    }
}
