import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// droprun's own failure codes are one closed enum, and the README lists every one of them.
@Suite struct StepFailureTests {
    @Test func everyCodeIsInTheReadmesListOfFailureCodes() throws {
        let readme = PackageRoot.file("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: "Failure codes droprun itself uses:"))
        let list = text[start.upperBound...].prefix(2_500)
        for code in StepFailure.Code.allCases {
            #expect(list.contains("`\(code.rawValue)`"), "README's failure codes should list `\(code.rawValue)`")
        }
    }

    @Test(arguments: StepFailure.Code.allCases)
    func aCodeIsRetryableByDefaultOnlyWhenDocumentedSo(_ code: StepFailure.Code) {
        let retryable: Set<StepFailure.Code> = [.stepTimeout, .rateLimited, .httpTimeout, .httpConnection, .modelServerError]
        #expect(StepFailure(code, "m").retryable == retryable.contains(code))
        #expect(StepFailure(code, "m").code == code)
    }

    /// Every own code, a workflow's own code, and one spelled like an own code by a workflow.
    static let recordedCodes: [StepFailure.Code] = StepFailure.Code.allCases + [.custom("quota_exhausted"), .custom("failed")]

    @Test(arguments: recordedCodes)
    func aCodeRoundTripsThroughTheRecordJSONAsItsString(_ code: StepFailure.Code) throws {
        let failure = StepFailure(code: code, message: "m", retryable: true)
        let json = failure.json(step: "s")
        #expect(json["code"]?.stringValue == code.rawValue)
        #expect(JSONWriter.compact(json) == #"{"code":"\#(code.rawValue)","message":"m","retryable":true,"step":"s"}"#)
        var record = try RunRecordTests.record(full: true)
        record.error = failure
        record.steps[1].error = failure
        let read = try #require(RunRecord(json: try JSONParser.parse(record.prettyBytes)))
        #expect(read.steps[1].error == failure)
        let back = try #require(read.error)
        #expect(back == failure)
        #expect("\(back.code)" == code.rawValue)
        if case .custom = code {
            #expect(!StepFailure.Code.allCases.contains(back.code))
        } else {
            #expect(StepFailure.Code.allCases.contains(back.code))
        }
    }

    @Test func ownCodesHaveDistinctStringsThatParseBackToThemselves() {
        let strings = StepFailure.Code.allCases.map(\.rawValue)
        #expect(Set(strings).count == strings.count)
        for code in StepFailure.Code.allCases {
            guard case let parsed = StepFailure.Code(rawValue: code.rawValue), parsed == code else { Issue.record("\(code)"); continue }
            if case .custom = parsed { Issue.record("\(code.rawValue) parsed as a custom code") }
        }
    }

    /// A workflow's code spelled like droprun's own is droprun's own, so it behaves as it always did (a
    /// `run_timeout` from a `fail` step is not retried) and a record reads back as the value written.
    @Test func aWorkflowCodeSpelledLikeAnOwnCodeIsTheOwnCode() {
        guard case .runTimeout = StepFailure.Code(rawValue: "run_timeout") else { Issue.record("not parsed to .runTimeout"); return }
        guard case .custom("quota_exhausted") = StepFailure.Code(rawValue: "quota_exhausted") else { Issue.record("not custom"); return }
        #expect(StepFailure.Code.custom("cancelled") == .cancelled)
        #expect(Set([StepFailure.Code.custom("cancelled"), .cancelled]).count == 1)
    }

    /// Decided so: a `fail` step whose code is `run_timeout` is not retried, as before codes were typed.
    @Test func aFailStepWithAnOwnCodeBehavesAsThatCode() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "r.json",
            RequestText.make(steps: [
                #"{"id": "x", "provider": "fail", "with": {"code": "run_timeout", "retryable": true}, "retry": {"maxAttempts": 3, "backoffMs": 0}}"#
            ]))
        _ = try await root.runOnce()
        let result = try #require(root.json("outbox/results/r.json"))
        #expect(result["steps"]?.arrayValue?.first?["attempts"] == 1)
        #expect(result["error"]?["code"] == "run_timeout")
    }

    @Test func aFailStepsOwnCodeIsRecordedAsItCame() async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "r.json",
            RequestText.make(steps: [
                #"{"id": "y", "provider": "fail", "with": {"code": "quota_exhausted", "retryable": true}, "retry": {"maxAttempts": 2, "backoffMs": 0}}"#
            ]))
        _ = try await root.runOnce()
        let result = try #require(root.json("outbox/results/r.json"))
        #expect(result["steps"]?.arrayValue?.first?["attempts"] == 2)
        #expect(result["error"]?["code"] == "quota_exhausted")
        #expect(root.auditEvents().filter { $0["event"] == "step.retry" }.map { $0["data"]?["code"] } == ["quota_exhausted"])
    }
}
