import DroprunTestSupport
import Testing

@testable import DroprunKit

/// `needs`, `when` and `onFailure`, checked when a request is dropped, each problem by its JSON path.
@Suite struct StepGraphDecodingTests {
    let decoder = RequestDecoder(configuration: .fastForTests, registry: .builtIn)

    func workflow(_ steps: [String], extra: String = "") -> String {
        #"{"workflow": {"name": "g"\#(extra), "steps": [\#(steps.joined(separator: ", "))]}}"#
    }

    func problems(_ text: String) -> String {
        switch decoder.decode(Array(text.utf8), fileName: "r.json") {
        case .failure(let rejection): rejection.issues.map(\.description).joined(separator: "\n")
        case .success: ""
        }
    }

    func decoded(_ text: String) throws -> Workflow {
        guard case .success(.run(let request, _)) = decoder.decode(Array(text.utf8), fileName: "r.json") else {
            Issue.record("refused: \(problems(text))")
            throw CancellationError()
        }
        return request.workflow
    }

    @Test func needsWhenOnFailureAndMaxParallelStepsAreRead() throws {
        let w = try decoded(
            workflow(
                [
                    #"{"id": "a", "provider": "echo"}"#,
                    #"{"id": "b", "provider": "echo", "needs": ["a"], "when": {"equals": ["{{steps.a.output.x}}", 1]}}"#,
                    #"{"id": "c", "provider": "echo", "needs": ["a"]}"#,
                    #"{"id": "tidy", "provider": "echo", "with": {"why": "{{run.error.message}}"}}"#,
                ], extra: #", "onFailure": ["tidy"], "maxParallelSteps": 2"#))
        #expect(w.steps[1].needs == ["a"])
        #expect(w.steps[1].when == .equals("{{steps.a.output.x}}", 1))
        #expect(w.onFailure == ["tidy"])
        #expect(w.maxParallelSteps == 2)
        #expect(!w.isLine)
        let graph = StepGraph(w)
        #expect(graph.needs == [[], [0], [0], []])
        #expect(graph.isOnFailure == [false, false, false, true])
        #expect(graph.upstream(of: 2) == [0])
    }

    @Test func aWorkflowWithoutGraphKeysIsALine() throws {
        let w = try decoded(workflow([#"{"id": "a", "provider": "echo"}"#, #"{"id": "b", "provider": "echo"}"#]))
        #expect(w.isLine)
        #expect(StepGraph(w).isLine)
    }

    @Test(arguments: [
        (
            [#"{"id": "a", "provider": "echo"}"#, #"{"id": "b", "provider": "echo", "needs": ["aa"]}"#],
            "$.workflow.steps[1].needs[0]: 'aa' is not a step of this workflow; did you mean 'a'?"
        ),
        ([#"{"id": "a", "provider": "echo", "needs": ["a"]}"#], "$.workflow.steps[0].needs[0]: step 'a' cannot need itself"),
        ([#"{"id": "a", "provider": "echo", "needs": "b"}"#], "$.workflow.steps[0].needs: expected an array of step ids"),
        (
            [#"{"id": "a", "provider": "echo", "needs": ["b"]}"#, #"{"id": "b", "provider": "echo", "needs": ["a"]}"#],
            "$.workflow.steps[0].needs: the steps' needs go round in a cycle: a -> b -> a"
        ),
        (
            [
                #"{"id": "a", "provider": "echo"}"#, #"{"id": "b", "provider": "echo", "needs": ["a"]}"#,
                #"{"id": "c", "provider": "echo", "needs": ["a"], "with": {"v": "{{steps.b.output}}"}}"#,
            ],
            "$.workflow.steps[2].with.v: {{steps.b.output}} names step 'b', which does not run before this one (it is not among the steps this one needs"
        ),
        (
            [
                #"{"id": "a", "provider": "echo"}"#, #"{"id": "b", "provider": "echo", "needs": ["a"]}"#,
                #"{"id": "c", "provider": "echo", "needs": ["a"], "when": {"exists": "{{steps.b.output}}"}}"#,
            ],
            "$.workflow.steps[2].when: {{steps.b.output}} names step 'b', which does not run before this one"
        ),
        (
            [#"{"id": "a", "provider": "echo", "when": {"equal": [1, 1]}}"#],
            "$.workflow.steps[0].when.equal: unknown condition 'equal': expected one of equals, notEquals, in, exists, all, any, not"
        ),
        ([#"{"id": "a", "provider": "echo", "when": {"equals": [1]}}"#], "$.workflow.steps[0].when.equals: expected an array of two values"),
        (
            [#"{"id": "a", "provider": "echo", "when": {"in": [1, 2]}}"#],
            "$.workflow.steps[0].when.in[1]: expected an array, or one {{...}} reference"
        ),
        ([#"{"id": "a", "provider": "echo", "when": {"all": []}}"#], "$.workflow.steps[0].when.all: expected a non-empty array of conditions"),
        ([#"{"id": "a", "provider": "echo", "when": {"not": {"x": 1}}}"#], "$.workflow.steps[0].when.not.x: unknown condition 'x'"),
        ([#"{"id": "a", "provider": "echo", "when": "yes"}"#], "$.workflow.steps[0].when: expected a condition"),
        (
            [#"{"id": "a", "provider": "echo", "with": {"e": "{{run.error.message}}"}}"#],
            "$.workflow.steps[0].with.e: {{run.error.message}} is not available; 'run' has only 'id' ({{run.id}}; an onFailure step also sees {{run.error}})"
        ),
        (
            [#"{"id": "a", "provider": "echo", "forEach": {"list": [1, 2]}}"#],
            "$.workflow.steps[0].forEach.list: unknown key"
        ),
        (
            [#"{"id": "a", "provider": "echo", "forEach": {"items": [1], "maxParallel": 0}}"#],
            "$.workflow.steps[0].forEach.maxParallel"
        ),
        ([#"{"id": "a", "provider": "echo", "forEach": {"x": 1}}"#], "$.workflow.steps[0].forEach.items: required"),
        (
            [#"{"id": "a", "provider": "echo", "forEach": 3}"#],
            "$.workflow.steps[0].forEach: expected the items: an array, a string that is one reference"
        ),
        ([#"{"id": "a", "provider": "echo", "forEach": "x {{input.list}}"}"#], "$.workflow.steps[0].forEach: expected the items"),
        (
            [#"{"id": "a", "provider": "echo", "with": {"v": "{{item}}"}}"#],
            "$.workflow.steps[0].with.v: {{item}} is available only in the 'with' of a step that has forEach"
        ),
        (
            [#"{"id": "a", "provider": "echo", "forEach": [1], "with": {"v": "{{index.x}}"}}"#],
            "$.workflow.steps[0].with.v: {{index.x}}: 'index' is a number"
        ),
        (
            [#"{"id": "a", "provider": "echo", "forEach": [1], "when": {"equals": ["{{item}}", 1]}}"#],
            "$.workflow.steps[0].when: {{item}} is available only in the 'with' of a step that has forEach"
        ),
        (
            [
                #"{"id": "a", "provider": "echo", "needs": [], "with": {}}"#,
                #"{"id": "b", "provider": "echo", "needs": [], "forEach": "{{steps.a.output.list}}"}"#,
            ],
            "$.workflow.steps[1].forEach: {{steps.a.output.list}} names step 'a', which does not run before this one"
        ),
        (
            [#"{"id": "ok", "provider": "approval", "forEach": [1], "with": {"message": "m"}}"#],
            "$.workflow.steps[0].forEach: an approval step cannot run over items"
        ),
    ])
    func aGraphProblemIsNamedByItsPath(_ steps: [String], _ expected: String) {
        let text = problems(workflow(steps))
        #expect(text.contains(expected), "\(text)")
    }

    @Test(arguments: [
        (#", "onFailure": ["tidi"]"#, "$.workflow.onFailure[0]: 'tidi' is not a step of this workflow; did you mean 'tidy'?"),
        (#", "onFailure": []"#, "$.workflow.onFailure: expected a non-empty array of step ids"),
        (#", "onFailure": ["tidy", "tidy"]"#, "$.workflow.onFailure[1]: step 'tidy' is named twice"),
        (#", "onFailure": ["a", "tidy"]"#, "every step is an onFailure step"),
        (#", "maxParallelSteps": 0"#, "$.workflow.maxParallelSteps"),
    ])
    func anOnFailureProblemIsNamedByItsPath(_ extra: String, _ expected: String) {
        let text = problems(workflow([#"{"id": "a", "provider": "echo"}"#, #"{"id": "tidy", "provider": "echo"}"#], extra: extra))
        #expect(text.contains(expected), "\(text)")
    }

    @Test func aStepOfTheRunCannotNeedAnOnFailureStepNorTheOtherWayRound() {
        let steps = [
            #"{"id": "a", "provider": "echo", "needs": ["tidy"]}"#, #"{"id": "tidy", "provider": "echo"}"#,
            #"{"id": "page", "provider": "echo", "needs": ["b"]}"#, #"{"id": "b", "provider": "echo"}"#,
        ]
        let text = problems(workflow(steps, extra: #", "onFailure": ["tidy", "page"]"#))
        #expect(text.contains("$.workflow.steps[0].needs[0]: 'tidy' is an onFailure step"), "\(text)")
        #expect(
            text.contains("$.workflow.steps[2].needs[0]: 'b' is a step of the run; an onFailure step needs only other onFailure steps"), "\(text)")
    }

    @Test func anOnFailureStepMayReadTheErrorAndAnyStepsOutput() throws {
        let w = try decoded(
            workflow(
                [
                    #"{"id": "a", "provider": "echo"}"#, #"{"id": "b", "provider": "echo"}"#,
                    #"{"id": "tidy", "provider": "echo", "with": {"e": "{{run.error.code}} {{run.error.step}}", "a": "{{steps.b.output}}"}}"#,
                ], extra: #", "onFailure": ["tidy"]"#))
        #expect(w.onFailure == ["tidy"])
        let bad = problems(
            workflow(
                [#"{"id": "a", "provider": "echo"}"#, #"{"id": "tidy", "provider": "echo", "with": {"e": "{{run.error.when}}"}}"#],
                extra: #", "onFailure": ["tidy"]"#))
        #expect(bad.contains("'run.error' has 'code', 'message' and 'step'"), "\(bad)")
    }

    @Test func aCycleIsNamedBesideAnOnFailureProblem() {
        let steps = [
            #"{"id": "a", "provider": "echo", "needs": ["c"]}"#, #"{"id": "b", "provider": "echo", "needs": ["a"]}"#,
            #"{"id": "c", "provider": "echo", "needs": ["b"]}"#, #"{"id": "tell", "provider": "echo"}"#,
        ]
        let text = problems(workflow(steps, extra: #", "onFailure": ["tel"]"#))
        #expect(text.contains("$.workflow.onFailure[0]: 'tel' is not a step of this workflow; did you mean 'tell'?"), "\(text)")
        #expect(text.contains("$.workflow.steps[0].needs: the steps' needs go round in a cycle: a -> c -> b -> a"), "\(text)")
    }
}
