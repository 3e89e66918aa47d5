import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// The hint reads segment names as the audit log names them (`AuditSegmentName`), nothing looser.
@Suite struct AuditSegmentHintTests {
    @Test func namesAreReadAsTheAuditLogWritesThem() {
        let first = AuditSegmentHint.parse("20261201T100000Z-host-1.jsonl")
        #expect(first?.chainStart == "20261201T100000Z-host-1" && first?.runner == "host-1" && first?.number == 1)
        let second = AuditSegmentHint.parse("20261201T100000Z-host-1~0002.jsonl")
        #expect(second?.runner == "host-1" && second?.number == 2)
        // Not how segment 2 is named: the whole stem is a chain id (as `audit verify` reads it), not host-1's segment 2.
        let loose = AuditSegmentHint.parse("20261201T100000Z-host-1~2.jsonl")
        #expect(loose?.number == 1 && loose?.runner != "host-1")
        // A start that is not a time is not a runner's chain.
        #expect(AuditSegmentHint.parse("2026120XT100000Z-host-1.jsonl") == nil)
        #expect(AuditSegmentHint.parse(".20261201T100000Z-host-1.jsonl") == nil)
    }
}
