import DroprunTestSupport
import Synchronization
import Testing

@testable import DroprunKit

/// One request that must be refused: the reason, and one issue at `path` whose message holds every fragment.
struct BadRequestCase: Sendable, CustomTestStringConvertible {
    var label: String
    var text: String
    var reason: RejectionReason = .invalidRequest
    /// The JSON path of the issue the case is about; nil: an issue with no path.
    var path: String?
    var fragments: [String] = []
    var fileName = "req.json"

    var testDescription: String { label }
}

enum DecoderFixtures {
    static let decoder = RequestDecoder(configuration: Configuration(), registry: .builtIn)

    static func decode(_ text: String, fileName: String = "req.json", decoder: RequestDecoder = decoder) -> Result<Drop, Rejection> {
        decoder.decode(Array(text.utf8), fileName: fileName)
    }

    /// `{"workflow": {"name": "w", "steps": [...]}}` plus `extra` top-level members.
    static func request(_ steps: String..., extra: String = "") -> String {
        #"{"workflow": {"name": "w", "steps": [\#(steps.joined(separator: ", "))]}\#(extra.isEmpty ? "" : ", " + extra)}"#
    }

    static let echo = #"{"id": "first", "provider": "echo", "with": {"x": 1}}"#

    /// Cases about the request's shape and types.
    static let structural: [BadRequestCase] = [
        BadRequestCase(label: "top level is an array", text: "[1, 2]", path: "$", fragments: ["expected an object", "found an array"]),
        BadRequestCase(label: "top level is a string", text: #""hi""#, path: "$", fragments: ["found a string"]),
        BadRequestCase(label: "missing workflow", text: #"{"input": {}}"#, path: "$.workflow", fragments: ["required, but missing"]),
        BadRequestCase(label: "workflow is a number", text: #"{"workflow": 5}"#, path: "$.workflow", fragments: ["found a number"]),
        BadRequestCase(label: "workflow is null", text: #"{"workflow": null}"#, path: "$.workflow", fragments: ["found null"]),
        BadRequestCase(
            label: "missing name", text: #"{"workflow": {"steps": [\#(echo)]}}"#, path: "$.workflow.name", fragments: ["required, but missing"]),
        BadRequestCase(
            label: "name is a number", text: #"{"workflow": {"name": 3, "steps": [\#(echo)]}}"#, path: "$.workflow.name",
            fragments: ["expected a string", "found a number"]),
        BadRequestCase(label: "missing steps", text: #"{"workflow": {"name": "w"}}"#, path: "$.workflow.steps", fragments: ["required, but missing"]),
        BadRequestCase(label: "empty steps", text: request(), path: "$.workflow.steps", fragments: ["at least one step"]),
        BadRequestCase(
            label: "steps is an object", text: #"{"workflow": {"name": "w", "steps": {"a": 1}}}"#, path: "$.workflow.steps",
            fragments: ["expected an array", "found an object"]),
        BadRequestCase(
            label: "step is a string", text: request(echo, #""second""#), path: "$.workflow.steps[1]",
            fragments: ["expected an object", "found a string"]),
        BadRequestCase(
            label: "step without id", text: request(#"{"provider": "echo"}"#), path: "$.workflow.steps[0].id",
            fragments: ["required, but missing"]),
        BadRequestCase(
            label: "step without provider", text: request(#"{"id": "a"}"#), path: "$.workflow.steps[0].provider",
            fragments: ["required, but missing"]),
        BadRequestCase(
            label: "duplicate step ids", text: request(echo, #"{"id": "b", "provider": "echo"}"#, echo),
            path: "$.workflow.steps[2].id", fragments: ["'first'", "used twice"]),
        BadRequestCase(
            label: "step id with a space", text: request(#"{"id": "a b", "provider": "echo"}"#), path: "$.workflow.steps[0].id",
            fragments: ["'a b'"]),
        BadRequestCase(
            label: "step id with a dot", text: request(#"{"id": "a.b", "provider": "echo"}"#), path: "$.workflow.steps[0].id",
            fragments: ["'a.b'"]),
        BadRequestCase(
            label: "empty step id", text: request(#"{"id": "", "provider": "echo"}"#), path: "$.workflow.steps[0].id",
            fragments: ["1 to 64"]),
        BadRequestCase(
            label: "step id of 65 characters", text: request(#"{"id": "\#(String(repeating: "s", count: 65))", "provider": "echo"}"#),
            path: "$.workflow.steps[0].id", fragments: ["1 to 64"]),
        BadRequestCase(
            label: "step id is a number", text: request(#"{"id": 7, "provider": "echo"}"#), path: "$.workflow.steps[0].id",
            fragments: ["expected a string", "found a number 7"]),
        BadRequestCase(
            label: "provider is a number", text: request(echo, #"{"id": "b", "provider": 5}"#), path: "$.workflow.steps[1].provider",
            fragments: ["expected a string", "found a number 5"]),
        BadRequestCase(
            label: "with is an array", text: request(#"{"id": "a", "provider": "echo", "with": [1]}"#), path: "$.workflow.steps[0].with",
            fragments: ["expected an object", "found an array"]),
        BadRequestCase(
            label: "with is a string", text: request(#"{"id": "a", "provider": "template", "with": "hi"}"#),
            path: "$.workflow.steps[0].with", fragments: ["found a string"]),
        BadRequestCase(
            label: "retry is a string", text: request(#"{"id": "a", "provider": "echo", "retry": "3"}"#),
            path: "$.workflow.steps[0].retry", fragments: ["expected an object", "found a string"]),
        BadRequestCase(
            label: "timeoutMs is a string", text: request(#"{"id": "a", "provider": "echo", "timeoutMs": "10"}"#),
            path: "$.workflow.steps[0].timeoutMs", fragments: ["expected a whole number", "found a string \"10\""]),
        BadRequestCase(
            label: "timeoutMs is fractional", text: request(#"{"id": "a", "provider": "echo", "timeoutMs": 1.5}"#),
            path: "$.workflow.steps[0].timeoutMs", fragments: ["expected a whole number", "found a number 1.5"]),
        BadRequestCase(
            label: "timeoutMs is 0", text: request(#"{"id": "a", "provider": "echo", "timeoutMs": 0}"#),
            path: "$.workflow.steps[0].timeoutMs", fragments: ["from 1 to 86400000", "found 0"]),
        BadRequestCase(
            label: "timeoutMs is negative", text: request(#"{"id": "a", "provider": "echo", "timeoutMs": -5}"#),
            path: "$.workflow.steps[0].timeoutMs", fragments: ["found -5"]),
        BadRequestCase(
            label: "timeoutMs above a day", text: request(#"{"id": "a", "provider": "echo", "timeoutMs": 86400001}"#),
            path: "$.workflow.steps[0].timeoutMs", fragments: ["found 86400001"]),
        BadRequestCase(
            label: "timeoutSeconds is a string", text: request(echo, extra: #""timeoutSeconds": "300""#), path: "$.timeoutSeconds",
            fragments: ["expected a number", "found a string"]),
        BadRequestCase(
            label: "timeoutSeconds is 0", text: request(echo, extra: #""timeoutSeconds": 0"#), path: "$.timeoutSeconds",
            fragments: ["found 0"]),
        BadRequestCase(label: "timeoutSeconds is negative", text: request(echo, extra: #""timeoutSeconds": -1"#), path: "$.timeoutSeconds"),
        BadRequestCase(
            label: "id is a number", text: request(echo, extra: #""id": 12"#), path: "$.id", fragments: ["expected a string", "found a number 12"]),
        BadRequestCase(
            label: "labels is an array", text: request(echo, extra: #""labels": ["a"]"#), path: "$.labels", fragments: ["expected an object"]),
        BadRequestCase(
            label: "label value is a number", text: request(echo, extra: #""labels": {"tenant": "acme", "n": 1}"#), path: "$.labels.n",
            fragments: ["expected a string", "found a number 1"]),
        BadRequestCase(
            label: "label value is null", text: request(echo, extra: #""labels": {"x": null}"#), path: "$.labels.x",
            fragments: ["found null"]),
        BadRequestCase(
            label: "workflow version is a boolean", text: #"{"workflow": {"name": "w", "version": true, "steps": [\#(echo)]}}"#,
            path: "$.workflow.version", fragments: ["expected a string"]),
    ]

    /// Retry fields and their ranges.
    static let retry: [BadRequestCase] = [
        ("maxAttempts", "0", "from 1 to 100, found 0"),
        ("maxAttempts", "101", "found 101"),
        ("maxAttempts", "2.5", "expected a whole number"),
        ("maxAttempts", #""3""#, "expected a whole number, found a string"),
        ("backoffMs", "-1", "from 0 to 3600000, found -1"),
        ("backoffMs", "3600001", "found 3600001"),
        ("multiplier", "0.5", "from 1 to 100, found 0.5"),
        ("multiplier", "101", "found 101"),
        ("multiplier", "true", "expected a number, found a boolean"),
        ("maxBackoffMs", "-1", "found -1"),
        ("maxBackoffMs", "86400001", "found 86400001"),
    ].map { key, value, fragment in
        BadRequestCase(
            label: "retry.\(key) = \(value)",
            text: request(#"{"id": "a", "provider": "echo", "retry": {"\#(key)": \#(value)}}"#),
            path: "$.workflow.steps[0].retry.\(key)", fragments: [fragment])
    }

    /// Misspellings, each with the nearest valid name.
    static let suggestions: [BadRequestCase] = [
        BadRequestCase(
            label: "provider lmm", text: request(echo, #"{"id": "b", "provider": "lmm", "with": {"model": "stub-small", "prompt": "p"}}"#),
            path: "$.workflow.steps[1].provider", fragments: ["unknown provider 'lmm'", "did you mean 'llm'?", "echo", "transform"]),
        BadRequestCase(
            label: "provider tempalte", text: request(#"{"id": "a", "provider": "tempalte"}"#), path: "$.workflow.steps[0].provider",
            fragments: ["unknown provider 'tempalte'", "did you mean 'template'?"]),
        BadRequestCase(
            label: "provider nothing close", text: request(#"{"id": "a", "provider": "kubernetes"}"#), path: "$.workflow.steps[0].provider",
            fragments: ["unknown provider 'kubernetes'", "echo"]),
        BadRequestCase(
            label: "model stub-smal",
            text: request(echo, #"{"id": "b", "provider": "llm", "with": {"model": "stub-smal", "prompt": "p"}}"#),
            path: "$.workflow.steps[1].with.model", fragments: ["'stub-smal'", "did you mean 'stub-small'?"]),
        BadRequestCase(
            label: "model stub-larg", text: request(#"{"id": "a", "provider": "llm", "with": {"model": "stub-larg", "prompt": "p"}}"#),
            path: "$.workflow.steps[0].with.model", fragments: ["did you mean 'stub-large'?"]),
        BadRequestCase(
            label: "model gpt-4 is unknown without configuration",
            text: request(#"{"id": "a", "provider": "llm", "with": {"model": "gpt-4", "prompt": "p"}}"#),
            path: "$.workflow.steps[0].with.model", fragments: ["'gpt-4'", "'stub-small'", "'stub-large'"]),
        BadRequestCase(
            label: "transform op uppercse",
            text: request(#"{"id": "a", "provider": "transform", "with": {"value": "x", "op": "uppercse"}}"#),
            path: "$.workflow.steps[0].with.op", fragments: ["'uppercse'", "did you mean 'uppercase'?"]),
        BadRequestCase(
            label: "transform op wordcount",
            text: request(#"{"id": "a", "provider": "transform", "with": {"value": "x", "op": "word_count"}}"#),
            path: "$.workflow.steps[0].with.op", fragments: ["did you mean 'wordCount'?"]),
        BadRequestCase(
            label: "top-level timeoutSecond", text: request(echo, extra: #""timeoutSecond": 30"#), path: "$.timeoutSecond",
            fragments: ["unknown key 'timeoutSecond'", "did you mean 'timeoutSeconds'?"]),
        BadRequestCase(
            label: "top-level lables", text: request(echo, extra: #""lables": {}"#), path: "$.lables",
            fragments: ["unknown key 'lables'", "did you mean 'labels'?"]),
        BadRequestCase(label: "top-level inptu", text: request(echo, extra: #""inptu": {}"#), path: "$.inptu", fragments: ["did you mean 'input'?"]),
        BadRequestCase(
            label: "workflow stpes", text: #"{"workflow": {"name": "w", "steps": [\#(echo)], "stpes": []}}"#, path: "$.workflow.stpes",
            fragments: ["unknown key 'stpes'", "did you mean 'steps'?"]),
        BadRequestCase(
            label: "step timeoutMS typo", text: request(#"{"id": "a", "provider": "echo", "timeotuMs": 5}"#),
            path: "$.workflow.steps[0].timeotuMs", fragments: ["unknown key 'timeotuMs'", "did you mean 'timeoutMs'?"]),
        BadRequestCase(
            label: "step provder", text: request(#"{"id": "a", "provider": "echo", "provder": "x"}"#),
            path: "$.workflow.steps[0].provder", fragments: ["did you mean 'provider'?"]),
        BadRequestCase(
            label: "step wiht", text: request(#"{"id": "a", "provider": "echo", "wiht": {}}"#), path: "$.workflow.steps[0].wiht",
            fragments: ["did you mean 'with'?"]),
        BadRequestCase(
            label: "retry maxAttempt", text: request(#"{"id": "a", "provider": "echo", "retry": {"maxAttempt": 2}}"#),
            path: "$.workflow.steps[0].retry.maxAttempt", fragments: ["unknown key 'maxAttempt'", "did you mean 'maxAttempts'?"]),
        BadRequestCase(
            label: "retry backofMs", text: request(#"{"id": "a", "provider": "echo", "retry": {"backofMs": 2}}"#),
            path: "$.workflow.steps[0].retry.backofMs", fragments: ["did you mean 'backoffMs'?"]),
        BadRequestCase(
            label: "with templte", text: request(#"{"id": "a", "provider": "template", "with": {"templte": "x"}}"#),
            path: "$.workflow.steps[0].with.templte", fragments: ["unknown key 'templte'", "did you mean 'template'?"]),
        BadRequestCase(
            label: "with promt", text: request(#"{"id": "a", "provider": "llm", "with": {"model": "stub-small", "promt": "x"}}"#),
            path: "$.workflow.steps[0].with.promt", fragments: ["did you mean 'prompt'?"]),
        BadRequestCase(
            label: "with maxToken", text: request(#"{"id": "a", "provider": "llm", "with": {"model": "stub-small", "prompt": "x", "maxToken": 3}}"#),
            path: "$.workflow.steps[0].with.maxToken", fragments: ["did you mean 'maxTokens'?"]),
        BadRequestCase(
            label: "with field (pick)",
            text: request(#"{"id": "a", "provider": "transform", "with": {"value": {}, "op": "pick", "fields": [], "field": ["x"]}}"#),
            path: "$.workflow.steps[0].with.field", fragments: ["did you mean 'fields'?"]),
        BadRequestCase(
            label: "with mediatype",
            text: request(#"{"id": "a", "provider": "artifact", "with": {"name": "a.txt", "content": "x", "mediaTyp": "t"}}"#),
            path: "$.workflow.steps[0].with.mediaTyp", fragments: ["did you mean 'mediaType'?"]),
        BadRequestCase(
            label: "with timeoutSecond (delay)", text: request(#"{"id": "a", "provider": "delay", "with": {"ms": 1, "timeoutSecond": 1}}"#),
            path: "$.workflow.steps[0].with.timeoutSecond", fragments: ["unknown key 'timeoutSecond'"]),
    ]

    /// Provider parameters checked at drop time.
    static let parameters: [BadRequestCase] = [
        BadRequestCase(
            label: "template without template", text: request(#"{"id": "a", "provider": "template"}"#),
            path: "$.workflow.steps[0].with.template", fragments: ["required, but missing"]),
        BadRequestCase(
            label: "template is a number", text: request(#"{"id": "a", "provider": "template", "with": {"template": 3}}"#),
            path: "$.workflow.steps[0].with.template", fragments: ["expected a string", "found a number 3"]),
        BadRequestCase(
            label: "llm without model", text: request(#"{"id": "a", "provider": "llm", "with": {"prompt": "p"}}"#),
            path: "$.workflow.steps[0].with.model", fragments: ["required, but missing"]),
        BadRequestCase(
            label: "llm without prompt", text: request(#"{"id": "a", "provider": "llm", "with": {"model": "stub-small"}}"#),
            path: "$.workflow.steps[0].with.prompt", fragments: ["required, but missing"]),
        BadRequestCase(
            label: "llm maxTokens 0",
            text: request(#"{"id": "a", "provider": "llm", "with": {"model": "stub-small", "prompt": "p", "maxTokens": 0}}"#),
            path: "$.workflow.steps[0].with.maxTokens", fragments: ["found 0"]),
        BadRequestCase(
            label: "transform without value", text: request(#"{"id": "a", "provider": "transform", "with": {"op": "trim"}}"#),
            path: "$.workflow.steps[0].with.value", fragments: ["required, but missing"]),
        BadRequestCase(
            label: "transform without op", text: request(#"{"id": "a", "provider": "transform", "with": {"value": "x"}}"#),
            path: "$.workflow.steps[0].with.op", fragments: ["required, but missing"]),
        BadRequestCase(
            label: "pick without fields", text: request(#"{"id": "a", "provider": "transform", "with": {"value": {}, "op": "pick"}}"#),
            path: "$.workflow.steps[0].with.fields", fragments: ["required when op is 'pick'"]),
        BadRequestCase(
            label: "pick fields not strings",
            text: request(#"{"id": "a", "provider": "transform", "with": {"value": {}, "op": "pick", "fields": ["a", 2]}}"#),
            path: "$.workflow.steps[0].with.fields[1]", fragments: ["expected a string", "found a number 2"]),
        BadRequestCase(
            label: "artifact without name", text: request(#"{"id": "a", "provider": "artifact", "with": {"content": "x"}}"#),
            path: "$.workflow.steps[0].with.name", fragments: ["required, but missing"]),
        BadRequestCase(
            label: "artifact without content or json", text: request(#"{"id": "a", "provider": "artifact", "with": {"name": "x.txt"}}"#),
            path: "$.workflow.steps[0].with.content", fragments: ["'content' or 'json'"]),
        BadRequestCase(
            label: "artifact with content and json",
            text: request(#"{"id": "a", "provider": "artifact", "with": {"name": "x.txt", "content": "x", "json": {}}}"#),
            path: "$.workflow.steps[0].with.json", fragments: ["not both"]),
        BadRequestCase(
            label: "artifact content is a number", text: request(#"{"id": "a", "provider": "artifact", "with": {"name": "x.txt", "content": 5}}"#),
            path: "$.workflow.steps[0].with.content", fragments: ["expected a string"]),
        BadRequestCase(
            label: "fail retryable is a string", text: request(#"{"id": "a", "provider": "fail", "with": {"retryable": "yes"}}"#),
            path: "$.workflow.steps[0].with.retryable", fragments: ["expected true or false", "found a string"]),
        BadRequestCase(
            label: "fail times negative", text: request(#"{"id": "a", "provider": "fail", "with": {"times": -1}}"#),
            path: "$.workflow.steps[0].with.times", fragments: ["found -1"]),
        BadRequestCase(
            label: "delay without ms", text: request(#"{"id": "a", "provider": "delay"}"#),
            path: "$.workflow.steps[0].with.ms", fragments: ["required, but missing"]),
        BadRequestCase(
            label: "delay ms negative", text: request(#"{"id": "a", "provider": "delay", "with": {"ms": -1}}"#),
            path: "$.workflow.steps[0].with.ms", fragments: ["found -1"]),
    ]

    /// Unsafe artifact names, refused at drop time at `$.workflow.steps[1].with.name`.
    static let unsafeArtifactNames: [String] = [
        "../x", "a/../../x", "a/..", "..", "/x", "/etc/passwd", "a\\b", "\\x", "manifest.json", "", "a//b", "./a", "a/./b", "a/",
        ".x.tmp", "sub/.y.tmp", "a\u{0}b", String(repeating: "n", count: 256), String(repeating: "p/", count: 600) + "x",
    ]

    /// References that cannot work, refused at drop time.
    static let references: [BadRequestCase] = [
        BadRequestCase(
            label: "reference to a later step",
            text: request(
                #"{"id": "a", "provider": "template", "with": {"template": "{{steps.b.output.text}}"}}"#,
                #"{"id": "b", "provider": "echo"}"#),
            path: "$.workflow.steps[0].with.template", fragments: ["{{steps.b.output.text}}", "step 'b'", "does not run before"]),
        BadRequestCase(
            label: "reference to itself",
            text: request(#"{"id": "a", "provider": "echo", "with": {"x": "{{steps.a.output}}"}}"#),
            path: "$.workflow.steps[0].with.x", fragments: ["step 'a'", "does not run before"]),
        BadRequestCase(
            label: "reference to an unknown step, near an earlier one",
            text: request(echo, #"{"id": "b", "provider": "echo", "with": {"x": "value: {{steps.frist.output}}"}}"#),
            path: "$.workflow.steps[1].with.x", fragments: ["step 'frist'", "did you mean 'first'?"]),
        BadRequestCase(
            label: "reference in an array element",
            text: request(echo, #"{"id": "b", "provider": "echo", "with": {"list": ["ok", "{{steps.zz.output}}"]}}"#),
            path: "$.workflow.steps[1].with.list[1]", fragments: ["step 'zz'"]),
        BadRequestCase(
            label: "reference in a nested object",
            text: request(
                echo, #"{"id": "b", "provider": "echo", "with": {"o": {"deep": "{{steps.later.output}}"}}}"#, #"{"id": "later", "provider": "echo"}"#),
            path: "$.workflow.steps[1].with.o.deep", fragments: ["step 'later'"]),
        BadRequestCase(
            label: "unknown root", text: request(#"{"id": "a", "provider": "echo", "with": {"x": "{{inptu.text}}"}}"#),
            path: "$.workflow.steps[0].with.x", fragments: ["'inptu'", "'input', 'steps' or 'run'"]),
        BadRequestCase(
            label: "unknown root env", text: request(#"{"id": "a", "provider": "echo", "with": {"x": "{{env.HOME}}"}}"#),
            path: "$.workflow.steps[0].with.x", fragments: ["'env'"]),
        BadRequestCase(
            label: "run.foo", text: request(#"{"id": "a", "provider": "echo", "with": {"x": "{{run.foo}}"}}"#),
            path: "$.workflow.steps[0].with.x", fragments: ["{{run.foo}}", "'run' has only 'id'"]),
        BadRequestCase(
            label: "run alone", text: request(#"{"id": "a", "provider": "echo", "with": {"x": "{{run}}"}}"#),
            path: "$.workflow.steps[0].with.x", fragments: ["'run' has only 'id'"]),
        BadRequestCase(
            label: "run.id.more", text: request(#"{"id": "a", "provider": "echo", "with": {"x": "{{run.id.x}}"}}"#),
            path: "$.workflow.steps[0].with.x", fragments: ["'run' has only 'id'"]),
        BadRequestCase(
            label: "steps without output",
            text: request(echo, #"{"id": "b", "provider": "echo", "with": {"x": "{{steps.first}}"}}"#),
            path: "$.workflow.steps[1].with.x", fragments: ["{{steps.ID.output}}"]),
        BadRequestCase(
            label: "steps.first.outptu",
            text: request(echo, #"{"id": "b", "provider": "echo", "with": {"x": "{{steps.first.outptu}}"}}"#),
            path: "$.workflow.steps[1].with.x", fragments: ["'output'"]),
        BadRequestCase(
            label: "reference as an llm model",
            text: request(#"{"id": "a", "provider": "llm", "with": {"model": "{{steps.nope.output}}", "prompt": "p"}}"#),
            path: "$.workflow.steps[0].with.model", fragments: ["step 'nope'"]),
    ]

    /// Control messages that are wrong.
    static let control: [BadRequestCase] = [
        BadRequestCase(
            label: "approval with decision approv", text: #"{"kind": "approval", "runId": "r1", "decision": "approv"}"#,
            path: "$.decision", fragments: ["'approv'", "did you mean 'approve'?"]),
        BadRequestCase(
            label: "approval with decision yes", text: #"{"kind": "approval", "runId": "r1", "decision": "yes"}"#,
            path: "$.decision", fragments: ["'approve', 'reject'"]),
        BadRequestCase(
            label: "approval without decision", text: #"{"kind": "approval", "runId": "r1"}"#, path: "$.decision",
            fragments: ["required, but missing"]),
        BadRequestCase(
            label: "approval decision is true", text: #"{"kind": "approval", "runId": "r1", "decision": true}"#, path: "$.decision",
            fragments: ["expected a string", "found a boolean"]),
        BadRequestCase(
            label: "approval without runId", text: #"{"kind": "approval", "decision": "approve"}"#, path: "$.runId",
            fragments: ["required, but missing"]),
        BadRequestCase(label: "cancel without runId", text: #"{"kind": "cancel"}"#, path: "$.runId", fragments: ["required, but missing"]),
        BadRequestCase(
            label: "cancel runId is a number", text: #"{"kind": "cancel", "runId": 5}"#, path: "$.runId", fragments: ["expected a string"]),
        BadRequestCase(
            label: "cancel with runid", text: #"{"kind": "cancel", "runid": "r1"}"#, path: "$.runid",
            fragments: ["unknown key 'runid'", "did you mean 'runId'?"]),
        BadRequestCase(
            label: "cancel with a decision", text: #"{"kind": "cancel", "runId": "r1", "decision": "approve"}"#, path: "$.decision",
            fragments: ["unknown key 'decision'"]),
        BadRequestCase(
            label: "approval by is a number", text: #"{"kind": "approval", "runId": "r1", "decision": "reject", "by": 1}"#, path: "$.by",
            fragments: ["expected a string"]),
        BadRequestCase(
            label: "approval with nots", text: #"{"kind": "approval", "runId": "r1", "decision": "reject", "nots": "x"}"#, path: "$.nots",
            fragments: ["did you mean 'note'?"]),
        BadRequestCase(label: "cancel with runId ../x", text: #"{"kind": "cancel", "runId": "../x"}"#, reason: .invalidID, path: "$.runId"),
        BadRequestCase(
            label: "approval with runId a/b", text: #"{"kind": "approval", "runId": "a/b", "decision": "approve"}"#, reason: .invalidID,
            path: "$.runId"),
        BadRequestCase(label: "cancel with empty runId", text: #"{"kind": "cancel", "runId": ""}"#, reason: .invalidID, path: "$.runId"),
        BadRequestCase(
            label: "kind aproval", text: #"{"kind": "aproval", "runId": "r1", "decision": "approve"}"#, path: "$.kind",
            fragments: ["'approval' or 'cancel'", "\"aproval\""]),
        BadRequestCase(label: "kind is a number", text: #"{"kind": 1, "runId": "r1"}"#, path: "$.kind", fragments: ["'approval' or 'cancel'"]),
        BadRequestCase(label: "kind retry", text: #"{"kind": "retry", "runId": "r1"}"#, path: "$.kind"),
    ]

    /// Bytes that are not JSON droprun accepts.
    static let invalidJSON: [(String, [UInt8])] = [
        ("empty file", []),
        ("only whitespace", Array(" \n\t".utf8)),
        ("trailing comma in an object", Array(#"{"workflow": {"name": "w", "steps": []},}"#.utf8)),
        ("trailing comma in an array", Array(#"{"workflow": {"name": "w", "steps": [{"id": "a", "provider": "echo"},]}}"#.utf8)),
        ("duplicate top-level keys", Array(#"{"id": "a", "id": "b", "workflow": {"name": "w", "steps": [{"id": "a", "provider": "echo"}]}}"#.utf8)),
        ("duplicate nested keys", Array(#"{"workflow": {"name": "w", "name": "v", "steps": [{"id": "a", "provider": "echo"}]}}"#.utf8)),
        ("invalid UTF-8 in a string", Array(#"{"id": ""#.utf8) + [0xFF, 0xFE] + Array(#"", "workflow": {}}"#.utf8)),
        ("overlong UTF-8", Array(#"{"id": ""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)),
        ("lone surrogate escape", Array(#"{"id": "\ud800"}"#.utf8)),
        ("single quotes", Array("{'id': 'a'}".utf8)),
        ("comment", Array("// hi\n{}".utf8)),
        ("NaN", Array(#"{"timeoutSeconds": NaN}"#.utf8)),
        ("leading zero", Array(#"{"timeoutSeconds": 01}"#.utf8)),
        ("unterminated object", Array(#"{"id": "a""#.utf8)),
        ("unterminated string", Array(#"{"id": "a"#.utf8)),
        ("two documents", Array("{} {}".utf8)),
        ("raw control character in a string", Array("{\"id\": \"a\tb\"}".utf8)),
        ("huge number", Array(#"{"timeoutSeconds": 1e999}"#.utf8)),
        ("10,000 nested arrays", Array((String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)).utf8)),
        ("10,000 unclosed arrays", Array(String(repeating: "[", count: 10_000).utf8)),
        ("10,000 nested objects", Array((String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)).utf8)),
        (
            "deep input in a request",
            Array(
                (#"{"workflow": {"name": "w", "steps": [{"id": "a", "provider": "echo"}]}, "input": "#
                    + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}").utf8)
        ),
    ]
}

@Suite struct RequestDecoderTests {
    typealias F = DecoderFixtures

    static func check(_ bad: BadRequestCase, decoder: RequestDecoder = F.decoder) {
        let result = F.decode(bad.text, fileName: bad.fileName, decoder: decoder)
        guard case .failure(let rejection) = result else {
            Issue.record("\(bad.label): accepted as \(result)")
            return
        }
        #expect(rejection.reason == bad.reason, "\(bad.label): \(rejection)")
        let matching = rejection.issues.filter { $0.path?.description == bad.path }
        #expect(!matching.isEmpty, "\(bad.label): no issue at \(bad.path ?? "nil"); got \(rejection.issues.map(\.description))")
        if !bad.fragments.isEmpty {
            let satisfied = matching.contains { issue in bad.fragments.allSatisfy { issue.message.contains($0) } }
            #expect(satisfied, "\(bad.label): expected \(bad.fragments) in one of \(matching.map(\.message))")
        }
        for issue in rejection.issues {
            #expect(!issue.message.isEmpty)
        }
    }

    @Test(arguments: F.structural)
    func structuralProblems(bad: BadRequestCase) { Self.check(bad) }

    @Test(arguments: F.retry)
    func retryRanges(bad: BadRequestCase) { Self.check(bad) }

    @Test(arguments: F.suggestions)
    func misspellingsGetTheNearestName(bad: BadRequestCase) { Self.check(bad) }

    @Test(arguments: F.parameters)
    func providerParameters(bad: BadRequestCase) { Self.check(bad) }

    @Test(arguments: F.references)
    func impossibleReferences(bad: BadRequestCase) { Self.check(bad) }

    @Test(arguments: F.control)
    func badControlMessages(bad: BadRequestCase) { Self.check(bad) }

    @Test(arguments: F.unsafeArtifactNames)
    func unsafeArtifactNamesAreRefusedAtDrop(name: String) {
        let step = #"{"id": "w", "provider": "artifact", "with": {"name": \#(JSONWriter.compact(.string(name))), "content": "x"}}"#
        Self.check(
            BadRequestCase(
                label: "artifact name \(name.debugDescription)", text: F.request(F.echo, step),
                path: "$.workflow.steps[1].with.name"))
    }

    @Test(arguments: [
        "a.txt", "a/b.txt", "deep/er/c.json", "x", "..x", "x..", "a/..b/c", "manifest.json.bak", "sub/manifest.json", "é.txt", "{{input.name}}",
    ])
    func safeArtifactNamesAreAccepted(name: String) {
        let step = #"{"id": "w", "provider": "artifact", "with": {"name": \#(JSONWriter.compact(.string(name))), "content": "x"}}"#
        let result = F.decode(F.request(step))
        #expect((try? result.get()) != nil, "\(name): \(result)")
    }

    @Test(arguments: F.invalidJSON.map(\.0))
    func invalidJSONIsRefusedWithoutCrashing(label: String) throws {
        let bytes = try #require(F.invalidJSON.first { $0.0 == label }?.1)
        let result = F.decoder.decode(bytes, fileName: "req.json")
        guard case .failure(let rejection) = result else {
            Issue.record("\(label): accepted as \(result)")
            return
        }
        #expect(rejection.reason == .invalidJSON, "\(label): \(rejection)")
        #expect(rejection.issues.count == 1)
        #expect(rejection.issues.first?.path == nil)
        #expect(rejection.issues.first?.message.isEmpty == false)
    }

    @Test func tooDeepSaysSo() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        guard case .failure(let rejection) = F.decode(text) else {
            Issue.record("accepted")
            return
        }
        #expect(rejection.reason == .invalidJSON)
        #expect(rejection.issues.first?.message.contains("nesting") == true, "\(rejection)")
    }

    @Test func duplicateKeySaysWhich() {
        guard case .failure(let rejection) = F.decode(#"{"id": "a", "id": "b"}"#) else {
            Issue.record("accepted")
            return
        }
        #expect(rejection.reason == .invalidJSON)
        #expect(rejection.issues.first?.message.contains("duplicate key 'id'") == true, "\(rejection)")
    }

    /// Nesting up to the parser's limit is fine; one more level is `invalid_json`.
    @Test func nestingLimitBoundary() {
        func request(inputDepth: Int) -> String {
            F.request(F.echo, extra: #""input": "# + String(repeating: "[", count: inputDepth) + String(repeating: "]", count: inputDepth))
        }
        let limit = JSONParser.defaultMaxDepth
        // The request object is one level; `input` adds the rest.
        let atLimit = F.decode(request(inputDepth: limit - 1))
        #expect((try? atLimit.get()) != nil, "\(atLimit)")
        guard case .failure(let rejection) = F.decode(request(inputDepth: limit)) else {
            Issue.record("nesting deeper than the limit was accepted")
            return
        }
        #expect(rejection.reason == .invalidJSON)
    }

    /// Keys that are not plain names are written in brackets, so the path can be followed.
    @Test(
        arguments: [
            (#""bad key": 1"#, #"$["bad key"]"#),
            (#""1st": 1"#, #"$["1st"]"#),
            (#""a.b": 1"#, #"$["a.b"]"#),
            (#""ключ": 1"#, #"$["ключ"]"#),
            (#""q\"uote": 1"#, #"$["q\"uote"]"#),
        ] as [(String, String)])
    func oddKeysHaveFollowablePaths(member: String, path: String) {
        Self.check(BadRequestCase(label: path, text: F.request(F.echo, extra: member), path: path, fragments: ["unknown key"]))
    }

    @Test func oddStepKeysInWithToo() {
        Self.check(
            BadRequestCase(
                label: "with key", text: F.request(#"{"id": "a", "provider": "delay", "with": {"ms": 1, "two words": 2}}"#),
                path: #"$.workflow.steps[0].with["two words"]"#, fragments: ["unknown key 'two words'"]))
    }

    @Test func everyProblemIsReportedAtOnce() {
        let text = F.request(
            #"{"id": "a b", "provider": "lmm"}"#, #"{"id": "c", "provider": "echo", "retry": {"maxAttempts": 0}}"#,
            extra: #""timeoutSecond": 1, "labels": {"x": 1}"#)
        guard case .failure(let rejection) = F.decode(text) else {
            Issue.record("accepted")
            return
        }
        let paths = Set(rejection.issues.compactMap { $0.path?.description })
        #expect(
            paths.isSuperset(of: [
                "$.workflow.steps[0].id", "$.workflow.steps[0].provider", "$.workflow.steps[1].retry.maxAttempts", "$.timeoutSecond", "$.labels.x",
            ]), "\(rejection.issues.map(\.description))")
    }

    @Test func rejectionDescriptionCarriesReasonAndPaths() {
        guard case .failure(let rejection) = F.decode(F.request(F.echo, #"{"id": "b", "provider": "lmm"}"#)) else {
            Issue.record("accepted")
            return
        }
        #expect(rejection.description.hasPrefix("invalid_request: "))
        #expect(rejection.description.contains("$.workflow.steps[1].provider: unknown provider 'lmm'"))
        let json = rejection.issues[0].json
        #expect(json["path"] == "$.workflow.steps[1].provider")
        #expect(json["message"]?.stringValue?.contains("did you mean 'llm'?") == true)
    }

    // MARK: - Valid requests

    @Test func fullRequestDecodesToTheExpectedRunRequest() throws {
        let text = #"""
            {
              "id": "invoice-2026-0001",
              "workflow": {
                "name": "summarize-and-file",
                "version": "1",
                "steps": [
                  { "id": "summary", "provider": "llm",
                    "with": { "model": "stub-small", "prompt": "Summarize: {{input.text}}" },
                    "retry": { "maxAttempts": 3, "backoffMs": 200, "multiplier": 2 },
                    "timeoutMs": 10000 },
                  { "id": "file", "provider": "artifact",
                    "with": { "name": "summary.txt", "content": "{{steps.summary.output.text}}" } }
                ]
              },
              "input": { "text": "..." },
              "labels": { "tenant": "acme" },
              "timeoutSeconds": 300
            }
            """#
        let drop = try F.decode(text, fileName: "whatever.json").get()
        let expected = RunRequest(
            id: "invoice-2026-0001",
            workflow: Workflow(
                name: "summarize-and-file", version: "1",
                steps: [
                    StepDefinition(
                        id: "summary", provider: "llm", with: ["model": "stub-small", "prompt": "Summarize: {{input.text}}"],
                        retry: RetryPolicy(maxAttempts: 3, backoffMs: 200, multiplier: 2), timeoutMs: 10_000),
                    StepDefinition(id: "file", provider: "artifact", with: ["name": "summary.txt", "content": "{{steps.summary.output.text}}"]),
                ]),
            input: ["text": "..."], labels: ["tenant": "acme"], timeoutSeconds: 300)
        #expect(drop == .run(expected, runId: "invoice-2026-0001"))
    }

    @Test func minimalRequestGetsTheDefaults() throws {
        let drop = try F.decode(F.request(#"{"id": "only", "provider": "echo"}"#), fileName: "min-1.json").get()
        guard case .run(let request, let runId) = drop else {
            Issue.record("not a run: \(drop)")
            return
        }
        #expect(runId == "min-1")
        #expect(request.id == nil)
        #expect(request.input == .object([:]))
        #expect(request.labels == [:])
        #expect(request.timeoutSeconds == nil)
        #expect(request.workflow.version == nil)
        let step = try #require(request.workflow.steps.first)
        #expect(step.with == [:])
        #expect(step.timeoutMs == nil)
        #expect(step.retry == RetryPolicy())
        #expect(step.retry.maxAttempts == 1)
        #expect(step.retry.backoffMs == 100)
        #expect(step.retry.multiplier == 2)
        #expect(step.retry.maxBackoffMs == 60_000)
    }

    @Test(
        arguments: [
            (#""input": [1, 2]"#, JSONValue.array([1, 2])),
            (#""input": "text""#, JSONValue.string("text")),
            (#""input": null"#, JSONValue.null),
            (#""input": {"a": {"b": [true]}}"#, JSONValue.object(["a": ["b": [true]]])),
        ] as [(String, JSONValue)])
    func inputIsKeptAsGiven(member: String, expected: JSONValue) throws {
        let drop = try F.decode(F.request(F.echo, extra: member)).get()
        guard case .run(let request, _) = drop else {
            Issue.record("not a run")
            return
        }
        #expect(request.input == expected)
    }

    @Test(
        arguments: [
            (#""version": "2.1""#, "2.1"),
            (#""version": 3"#, "3"),
            (#""version": 1.5"#, "1.5"),
        ] as [(String, String)])
    func versionIsKeptAsText(member: String, expected: String) throws {
        let text = #"{"workflow": {"name": "w", \#(member), "steps": [\#(F.echo)]}}"#
        guard case .run(let request, _) = try F.decode(text).get() else {
            Issue.record("not a run")
            return
        }
        #expect(request.workflow.version == expected)
    }

    @Test(
        arguments: [
            (
                #"{"maxAttempts": 100, "backoffMs": 0, "multiplier": 1, "maxBackoffMs": 0}"#,
                RetryPolicy(maxAttempts: 100, backoffMs: 0, multiplier: 1, maxBackoffMs: 0)
            ),
            (#"{"maxAttempts": 1}"#, RetryPolicy(maxAttempts: 1)),
            (#"{"multiplier": 1.5}"#, RetryPolicy(multiplier: 1.5)),
            (
                #"{"backoffMs": 3600000, "maxBackoffMs": 86400000, "multiplier": 100}"#,
                RetryPolicy(backoffMs: 3_600_000, multiplier: 100, maxBackoffMs: 86_400_000)
            ),
            ("{}", RetryPolicy()),
        ] as [(String, RetryPolicy)])
    func retryBoundariesAreAccepted(retry: String, expected: RetryPolicy) throws {
        let text = F.request(#"{"id": "a", "provider": "echo", "retry": \#(retry), "timeoutMs": 86400000}"#, extra: #""timeoutSeconds": 0.5"#)
        guard case .run(let request, _) = try F.decode(text).get() else {
            Issue.record("not a run")
            return
        }
        #expect(request.workflow.steps[0].retry == expected)
        #expect(request.workflow.steps[0].timeoutMs == 86_400_000)
        #expect(request.timeoutSeconds == 0.5)
    }

    @Test func explicitRunKindIsARunRequest() throws {
        let text = F.request(F.echo, extra: #""kind": "run", "id": "k1""#)
        guard case .run(_, let runId) = try F.decode(text).get() else {
            Issue.record("not a run")
            return
        }
        #expect(runId == "k1")
    }

    @Test func wholeReferencesPassTypedChecks() throws {
        let steps = [
            #"{"id": "a", "provider": "echo", "with": {"n": 3, "m": "stub-large"}}"#,
            #"{"id": "b", "provider": "llm", "with": {"model": "{{steps.a.output.m}}", "prompt": "{{input.p}}", "maxTokens": "{{steps.a.output.n}}"}}"#,
            #"{"id": "c", "provider": "delay", "with": {"ms": "{{ input.ms }}"}}"#,
            #"{"id": "d", "provider": "fail", "with": {"retryable": "{{input.r}}", "times": "{{input.t}}"}}"#,
            #"{"id": "e", "provider": "artifact", "with": {"name": "{{run.id}}", "json": "{{steps.b.output}}"}}"#,
        ]
        let result = F.decode(F.request(steps[0], steps[1], steps[2], steps[3], steps[4]))
        #expect((try? result.get()) != nil, "\(result)")
    }

    @Test func configuredModelIsKnownOnlyWithItsConfiguration() {
        let text = F.request(#"{"id": "a", "provider": "llm", "with": {"model": "house-model", "prompt": "p"}}"#)
        var configuration = Configuration()
        configuration.llmModels["house-model"] = LLMModelSettings()
        let configured = RequestDecoder(configuration: configuration, registry: .builtIn)
        #expect((try? F.decode(text, decoder: configured).get()) != nil)
        Self.check(BadRequestCase(label: "unconfigured", text: text, path: "$.workflow.steps[0].with.model", fragments: ["'house-model'"]))
    }

    // MARK: - Named workflows

    static let library: [String: JSONValue] = [
        "summarize": ["name": "summarize", "version": "7", "steps": [["id": "s", "provider": "echo", "with": ["x": "{{input.text}}"]]]],
        "broken": ["name": "broken", "steps": [["id": "s", "provider": "lmm"]]],
    ]

    static let namedDecoder = RequestDecoder(configuration: Configuration(), registry: .builtIn) { name in RequestDecoderTests.library[name] }

    @Test func namedWorkflowIsLoaded() throws {
        let drop = try F.decode(#"{"id": "n1", "workflow": "summarize", "input": {"text": "t"}}"#, decoder: Self.namedDecoder).get()
        let expected = RunRequest(
            id: "n1",
            workflow: Workflow(name: "summarize", version: "7", steps: [StepDefinition(id: "s", provider: "echo", with: ["x": "{{input.text}}"])]),
            input: ["text": "t"])
        #expect(drop == .run(expected, runId: "n1"))
    }

    @Test func missingNamedWorkflowNamesTheFile() {
        Self.check(
            BadRequestCase(label: "missing", text: #"{"workflow": "nope"}"#, path: "$.workflow", fragments: ["'nope'", "workflows/nope.json"]),
            decoder: Self.namedDecoder)
        // The default decoder has no workflows at all.
        Self.check(BadRequestCase(label: "no loader", text: #"{"workflow": "summarize"}"#, path: "$.workflow", fragments: ["'summarize'"]))
    }

    @Test(arguments: ["../secret", "/etc/passwd", "a/b", "", ".hidden"])
    func unsafeWorkflowNamesAreNeverLoaded(name: String) {
        let asked = LockedNames()
        let decoder = RequestDecoder(configuration: Configuration(), registry: .builtIn) { name in
            asked.append(name)
            return RequestDecoderTests.library["summarize"]
        }
        Self.check(BadRequestCase(label: name, text: #"{"workflow": \#(JSONWriter.compact(.string(name)))}"#, path: "$.workflow"), decoder: decoder)
        #expect(asked.names.isEmpty, "the loader was asked for \(asked.names)")
    }

    @Test func errorsInANamedWorkflowNameItsFile() {
        Self.check(
            BadRequestCase(
                label: "broken", text: #"{"workflow": "broken"}"#, path: "$.workflow.steps[0].provider",
                fragments: ["did you mean 'llm'?", "workflows/broken.json"]),
            decoder: Self.namedDecoder)
    }

    // MARK: - Control messages

    @Test(
        arguments: [
            (
                #"{"kind": "approval", "runId": "r1", "decision": "approve"}"#,
                ControlMessage(runId: "r1", action: .approval(approve: true, by: nil, note: nil))
            ),
            (
                #"{"kind": "approval", "runId": "r-2.x", "decision": "reject", "by": "ops@example.com", "note": "too expensive"}"#,
                ControlMessage(runId: "r-2.x", action: .approval(approve: false, by: "ops@example.com", note: "too expensive"))
            ),
            (#"{"kind": "cancel", "runId": "r1"}"#, ControlMessage(runId: "r1", action: .cancel(by: nil))),
            (#"{"kind": "cancel", "runId": "r1", "by": "cron"}"#, ControlMessage(runId: "r1", action: .cancel(by: "cron"))),
        ] as [(String, ControlMessage)])
    func controlMessages(text: String, expected: ControlMessage) throws {
        // The file name does not matter for a control message, even one that is not a valid run id.
        let drop = try F.decode(text, fileName: "not a run id.json").get()
        #expect(drop == .control(expected))
    }
}

/// Names a workflow loader was asked for.
final class LockedNames: Sendable {
    private let stored = Mutex<[String]>([])
    func append(_ name: String) { stored.withLock { $0.append(name) } }
    var names: [String] { stored.withLock { $0 } }
}
