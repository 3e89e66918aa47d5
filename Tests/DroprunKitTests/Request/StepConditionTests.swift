import Testing

@testable import DroprunKit

/// `when` conditions, evaluated against a run's input and step outputs.
@Suite struct StepConditionTests {
    let resolver = ReferenceResolver(
        runId: "r1", input: ["tier": "gold", "tags": ["a", "b"]],
        stepOutputs: ["review": ["decision": "approve", "note": .null], "count": ["n": 3]])

    func holds(_ text: String) throws -> Bool {
        var issues: [ValidationIssue] = []
        let condition = try #require(StepCondition.read(try JSONParser.parse(Array(text.utf8)), at: .root, issues: &issues), "\(issues)")
        #expect(try JSONParser.parse(Array(text.utf8)) == condition.json, "written back as it was read")
        return condition.holds(in: resolver)
    }

    @Test(arguments: [
        (#"{"equals": ["{{steps.review.output.decision}}", "approve"]}"#, true),
        (#"{"equals": ["{{steps.review.output.decision}}", "reject"]}"#, false),
        (#"{"equals": ["{{steps.count.output.n}}", 3]}"#, true),
        (#"{"equals": ["{{steps.gone.output}}", "{{steps.gone.output}}"]}"#, false),
        (#"{"notEquals": ["{{steps.review.output.decision}}", "reject"]}"#, true),
        (#"{"notEquals": ["{{steps.gone.output}}", "x"]}"#, true),
        (#"{"in": ["{{input.tier}}", ["silver", "gold"]]}"#, true),
        (#"{"in": ["b", "{{input.tags}}"]}"#, true),
        (#"{"in": ["c", "{{input.tags}}"]}"#, false),
        (#"{"in": ["c", "{{input.missing}}"]}"#, false),
        (#"{"exists": "{{steps.review.output.decision}}"}"#, true),
        (#"{"exists": "{{steps.review.output.note}}"}"#, false),
        (#"{"exists": "{{steps.skipped.output}}"}"#, false),
        (#"{"all": [{"exists": "{{input.tier}}"}, {"equals": ["{{input.tier}}", "gold"]}]}"#, true),
        (#"{"all": [{"exists": "{{input.tier}}"}, {"equals": ["{{input.tier}}", "lead"]}]}"#, false),
        (#"{"any": [{"exists": "{{input.nope}}"}, {"equals": ["{{input.tier}}", "gold"]}]}"#, true),
        (#"{"any": [{"exists": "{{input.nope}}"}, {"equals": ["{{input.tier}}", "lead"]}]}"#, false),
        (#"{"not": {"exists": "{{input.nope}}"}}"#, true),
        (#"{"equals": ["tier {{input.tier}}", "tier gold"]}"#, true),
    ])
    func aConditionHoldsOrNot(_ text: String, _ expected: Bool) throws {
        #expect(try holds(text) == expected, "\(text)")
    }
}
