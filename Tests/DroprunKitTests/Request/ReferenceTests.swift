import DroprunTestSupport
import Testing

@testable import DroprunKit

/// `{{...}}` references: parsing, resolution, and what a missing one does to a run.
@Suite struct ReferenceTests {
    typealias K = DropTestKit

    static func ref(_ parts: String...) -> Reference.Segment { .reference(Reference(parts: parts)) }

    // MARK: - Parsing

    @Test(
        arguments: [
            ("{{input.x}}", [ref("input", "x")]),
            ("{{ input.x }}", [ref("input", "x")]),
            ("{{   input.x   }}", [ref("input", "x")]),
            ("{{run.id}}", [ref("run", "id")]),
            ("{{steps.summary.output.text}}", [ref("steps", "summary", "output", "text")]),
            ("{{input.items.0}}", [ref("input", "items", "0")]),
            ("{{input.items[0]}}", [ref("input", "items", "0")]),
            ("{{input.items[12].name}}", [ref("input", "items", "12", "name")]),
            ("{{input.items.3.name}}", [ref("input", "items", "3", "name")]),
            ("{{input.m[1][2]}}", [ref("input", "m", "1", "2")]),
            ("{{input.a_b-c}}", [ref("input", "a_b-c")]),
            ("Hello {{input.name}}!", [.text("Hello "), ref("input", "name"), .text("!")]),
            ("{{input.a}}{{input.b}}", [ref("input", "a"), ref("input", "b")]),
            ("{{input.a}} and {{ input.b }}", [ref("input", "a"), .text(" and "), ref("input", "b")]),
            ("a {{input.x}} b {{", [.text("a "), ref("input", "x"), .text(" b {{")]),
            ("a {{input.x}} b }}", [.text("a "), ref("input", "x"), .text(" b }}")]),
            ("{{bad ref}} {{input.x}}", [.text("{{bad ref}}"), .text(" "), ref("input", "x")]),
        ] as [(String, [Reference.Segment])])
    func segments(text: String, expected: [Reference.Segment]) {
        #expect(Reference.segments(of: text) == expected)
    }

    /// Strings with no reference in them are plain text: `segments` says nil.
    @Test(arguments: [
        "", "plain text", "{ {input.x} }", "{{unterminated", "{{input.x}", "x {{input.x", "{{}}", "{{ }}", "{{input..x}}", "{{.input}}",
        "{{input.}}", "{{input x}}", "{{input.x[abc]}}", "{{input.x[]}}", "{{input.x[0]y}}", "{{input.\"x\"}}", "}}{{", "{{{{}}}}",
    ])
    func noReference(text: String) {
        #expect(Reference.segments(of: text) == nil, "\(text.debugDescription) -> \(String(describing: Reference.segments(of: text)))")
        #expect(Reference.whole(text) == nil)
    }

    @Test(
        arguments: [
            ("{{input.x}}", ["input", "x"]),
            ("{{ steps.a.output }}", ["steps", "a", "output"]),
            ("{{input.list[3]}}", ["input", "list", "3"]),
        ] as [(String, [String])])
    func wholeReference(text: String, parts: [String]) {
        #expect(Reference.whole(text) == Reference(parts: parts))
    }

    @Test(arguments: [" {{input.x}}", "{{input.x}} ", "x{{input.x}}", "{{input.a}}{{input.b}}", "{{input.x}}\n"])
    func notWholeWhenAnythingElseIsThere(text: String) {
        #expect(Reference.whole(text) == nil)
        #expect(Reference.segments(of: text) != nil)
    }

    @Test func descriptionIsTheCanonicalForm() {
        #expect(Reference(parts: ["input", "items", "0"]).description == "{{input.items.0}}")
        #expect(Reference.whole("{{ input.items[0] }}")?.description == "{{input.items.0}}")
    }

    // MARK: - Resolution

    static let input: JSONValue = [
        "obj": ["k": 1, "s": "v"], "n": 42, "f": 1.5, "neg": -3, "arr": [1, "two", ["three": 3]], "t": true, "no": false, "nul": nil,
        "s": "str", "name": "Ada", "empty": "", "quote": "say \"hi\"\n", "nested": ["list": [["id": "x"], ["id": "y"]]],
    ]

    static let resolver = ReferenceResolver(
        runId: "run-1", input: input, stepOutputs: ["a": ["text": "hi", "list": [10, 20]], "b": "plain", "c": nil])

    @Test(
        arguments: [
            // Whole references keep their JSON type.
            ("{{input.obj}}", ["k": 1, "s": "v"]),
            ("{{input.n}}", 42),
            ("{{input.f}}", 1.5),
            ("{{input.arr}}", [1, "two", ["three": 3]]),
            ("{{input.t}}", true),
            ("{{input.no}}", false),
            ("{{input.nul}}", nil),
            ("{{input.s}}", "str"),
            ("{{input.empty}}", ""),
            ("{{input}}", input),
            ("{{ input.n }}", 42),
            ("{{input.arr.0}}", 1),
            ("{{input.arr[1]}}", "two"),
            ("{{input.arr[2].three}}", 3),
            ("{{input.arr.2.three}}", 3),
            ("{{input.nested.list[1].id}}", "y"),
            ("{{steps.a.output}}", ["text": "hi", "list": [10, 20]]),
            ("{{steps.a.output.text}}", "hi"),
            ("{{steps.a.output.list.1}}", 20),
            ("{{steps.b.output}}", "plain"),
            ("{{steps.c.output}}", nil),
            ("{{run.id}}", "run-1"),
            // Inside longer strings: strings as they are, everything else as compact JSON.
            ("n={{input.n}}", "n=42"),
            ("f={{input.f}}", "f=1.5"),
            ("neg={{input.neg}}", "neg=-3"),
            ("o={{input.obj}}", #"o={"k":1,"s":"v"}"#),
            ("a={{input.arr}}", #"a=[1,"two",{"three":3}]"#),
            ("t={{input.t}} f={{input.no}}", "t=true f=false"),
            ("z={{input.nul}}", "z=null"),
            ("Hi {{ input.name }}!", "Hi Ada!"),
            ("{{input.s}}{{input.n}}", "str42"),
            ("[{{input.empty}}]", "[]"),
            ("q={{input.quote}}", "q=say \"hi\"\n"),
            ("id: {{run.id}}/{{steps.a.output.text}}", "id: run-1/hi"),
            ("c={{steps.c.output}}", "c=null"),
            // Not references: kept as literal text.
            ("{{unterminated", "{{unterminated"),
            ("x {{input.s", "x {{input.s"),
            ("{{}}", "{{}}"),
            ("{{bad ref}} {{input.s}}", "{{bad ref}} str"),
            ("no braces", "no braces"),
        ] as [(String, JSONValue)])
    func resolves(text: String, expected: JSONValue) throws {
        let resolved = try Self.resolver.resolve(["v": .string(text)], at: JSONPath.root.key("with"))
        #expect(resolved == ["v": expected])
    }

    @Test func resolvesRecursivelyAndLeavesOtherValuesAlone() throws {
        let with: [String: JSONValue] = [
            "list": ["{{input.n}}", ["deep": "{{input.t}}", "text": "x{{input.n}}"], 7, nil],
            "num": 3, "flag": false, "obj": ["inner": ["{{run.id}}"]],
        ]
        let resolved = try Self.resolver.resolve(with, at: JSONPath.root.key("with"))
        #expect(
            resolved == [
                "list": [42, ["deep": true, "text": "x42"], 7, nil],
                "num": 3, "flag": false, "obj": ["inner": ["run-1"]],
            ])
    }

    /// A resolved string is not scanned again: a value that itself looks like a reference stays text.
    @Test func resolvedValuesAreNotResolvedAgain() throws {
        let resolver = ReferenceResolver(runId: "r", input: ["trick": "{{run.id}}", "secret": "s"], stepOutputs: [:])
        let resolved = try resolver.resolve(["a": "{{input.trick}}", "b": "x {{input.trick}}"], at: .root)
        #expect(resolved == ["a": "{{run.id}}", "b": "x {{run.id}}"])
    }

    @Test(
        arguments: [
            ("{{input.nope}}", "input.nope", "$.with.v"),
            ("text {{input.nope}} more", "input.nope", "$.with.v"),
            ("{{input.obj.k.z}}", "input.obj.k.z", "$.with.v"),
            ("{{input.obj.missing.deeper}}", "input.obj.missing", "$.with.v"),
            ("{{input.arr.5}}", "input.arr.5", "$.with.v"),
            ("{{input.arr[3]}}", "input.arr.3", "$.with.v"),
            ("{{input.arr.-1}}", "input.arr.-1", "$.with.v"),
            ("{{input.arr.x}}", "input.arr.x", "$.with.v"),
            ("{{input.s.0}}", "input.s.0", "$.with.v"),
            ("{{input.nul.x}}", "input.nul.x", "$.with.v"),
            ("{{steps.zz.output}}", "steps.zz", "$.with.v"),
            ("{{steps.a.output.nope}}", "steps.a.output.nope", "$.with.v"),
            ("{{steps.a.result}}", "steps.a.result", "$.with.v"),
            ("{{run.nope}}", "run.nope", "$.with.v"),
            ("{{input.s}} and {{input.gone}}", "input.gone", "$.with.v"),
        ] as [(String, String, String)])
    func missingReferenceNamesWhatIsMissing(text: String, missing: String, path: String) {
        do {
            let resolved = try Self.resolver.resolve(["v": .string(text)], at: JSONPath.root.key("with"))
            Issue.record("\(text) resolved to \(resolved)")
        } catch {
            #expect(error.missing == missing)
            #expect(error.path.description == path)
            #expect(error.description.contains(path))
            #expect(error.description.contains("'\(missing)'"))
            #expect(error.reference.hasPrefix("{{") && error.reference.hasSuffix("}}"))
        }
    }

    @Test func missingReferenceDeepInsideNamesItsPath() {
        do {
            _ = try Self.resolver.resolve(["list": ["ok", ["deep": "{{input.gone}}"]]], at: JSONPath.root.key("with"))
            Issue.record("resolved")
        } catch {
            #expect(error.path.description == "$.with.list[1].deep")
            #expect(error.reference == "{{input.gone}}")
        }
    }

    // MARK: - Through the runner

    @Test func missingReferenceFailsTheStepAndSkipsTheRest() async throws {
        let text = K.request(
            K.step("first", "echo", #"{"v": "{{input.present}}"}"#),
            K.step("broken", "echo", #"{"v": "before {{input.missing}} after"}"#),
            K.step("later", "echo", #"{"v": 1}"#),
            K.step("last", "template", #"{"template": "x"}"#),
            input: #"{"present": 1}"#)
        let ran = try await K.run(text, runId: "missing-ref")
        #expect(ran.status == "failed")
        #expect(ran.summary.count(.failed) == 1)
        #expect(ran.step(0)?["status"] == "succeeded")
        #expect(ran.step(0)?["output"] == ["v": 1])
        #expect(ran.step(1)?["status"] == "failed")
        #expect(ran.step(1)?["error"]?["code"] == "missing_reference")
        #expect(ran.step(1)?["error"]?["retryable"] == false)
        let message = ran.step(1)?["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("input.missing"), "\(message)")
        #expect(message.contains("with.v"), "names where in the step: \(message)")
        #expect(ran.step(1)?["attempts"] == 1)
        #expect(ran.step(2)?["status"] == "skipped")
        #expect(ran.step(3)?["status"] == "skipped")
        #expect(ran.step(2)?["attempts"] == 0)
        #expect(ran.result?["error"]?["code"] == "missing_reference")
        #expect(ran.result?["error"]?["step"] == "broken")
        #expect(ran.result?["output"] == JSONValue.null)
        let events = ran.root.auditEventNames(runId: "missing-ref")
        #expect(events.contains("step.failed"))
        #expect(events.filter { $0 == "step.started" }.count == 2, "\(events)")
        #expect(events.last == "run.failed")
    }

    @Test func missingReferenceIsNotRetried() async throws {
        let text = K.request(K.step("s", "echo", #"{"v": "{{input.gone}}"}"#, extra: #""retry": {"maxAttempts": 5, "backoffMs": 1}"#))
        let ran = try await K.run(text)
        #expect(ran.step(0)?["error"]?["code"] == "missing_reference")
        #expect(ran.step(0)?["attempts"] == 1)
        #expect(ran.clock.sleeps.isEmpty)
    }

    @Test func referencesKeepTypesThroughTheRunner() async throws {
        let text = K.request(
            K.step(
                "a", "echo",
                #"{"obj": "{{input.obj}}", "n": "{{input.n}}", "list": "{{ input.list }}", "flag": "{{input.flag}}", "nul": "{{input.nul}}"}"#),
            K.step(
                "b", "echo",
                #"{"whole": "{{steps.a.output}}", "text": "n={{steps.a.output.n}} obj={{steps.a.output.obj}}", "first": "{{steps.a.output.list[0]}}", "id": "{{run.id}}"}"#
            ),
            input: #"{"obj": {"k": [1, 2]}, "n": 7, "list": ["x", "y"], "flag": true, "nul": null}"#)
        let ran = try await K.run(text, runId: "typed")
        #expect(ran.status == "succeeded")
        let a: JSONValue = ["obj": ["k": [1, 2]], "n": 7, "list": ["x", "y"], "flag": true, "nul": nil]
        #expect(ran.step(0)?["output"] == a)
        #expect(ran.output == ["whole": a, "text": #"n=7 obj={"k":[1,2]}"#, "first": "x", "id": "typed"])
    }

    /// A `{{` without `}}`, and braces that hold no reference, pass through as text and do not fail the step.
    @Test func literalBracesPassThrough() async throws {
        let text = K.request(
            K.step("t", "template", #"{"template": "Use {{ and {{not a ref}} and }} freely, {{input.who}}"}"#), input: #"{"who": "Bo"}"#)
        let ran = try await K.run(text)
        #expect(ran.status == "succeeded")
        #expect(ran.output?["text"] == "Use {{ and {{not a ref}} and }} freely, Bo")
    }
}
