import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A provider an embedding program adds: shouts its `text`.
struct ShoutProvider: Provider {
    var name: String { "shout" }
    var summary: String { "upper-cases 'text' and adds '!'" }

    func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        _ = with.string("text", required: true)
        _ = with.int("times", in: 1...3)
    }

    func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let text = r.string("text", required: true) ?? ""
        let times = r.int("times", in: 1...3) ?? 1
        try context.check(r)
        return [
            "shout": .string(String(repeating: text.uppercased() + "!", count: times)), "attempt": .int(context.attempt),
            "run": .string(context.runId),
        ]
    }
}

/// A provider that fails with an error that is not a `StepFailure`.
struct CrashingProvider: Provider {
    struct Oops: Error {}
    var name: String { "crash" }
    var summary: String { "throws a foreign error" }
    func validate(_ with: inout JSONObjectReader, context: ValidationContext) {}
    func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue { throw Oops() }
}

/// Built-in providers through whole runs, and custom ones.
@Suite struct ProviderTests {
    typealias K = DropTestKit

    /// Runs one step of `provider` with `with`.
    static func one(
        _ provider: String, _ with: String, input: String = "{}", extra: String = "", runId: String = "r1",
        configuration: Configuration = .fastForTests, clock: InstantClock = InstantClock()
    ) async throws -> K.Ran {
        try await K.run(K.request(K.step("s", provider, with, extra: extra), input: input), runId: runId, configuration: configuration, clock: clock)
    }

    static func expectFailed(
        _ ran: K.Ran, code: String, retryable: Bool = false, messageContains: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(ran.status == "failed", "\(ran.result.map(JSONWriter.compact) ?? "no result")", sourceLocation: sourceLocation)
        #expect(ran.step(0)?["status"] == "failed", sourceLocation: sourceLocation)
        #expect(ran.step(0)?["error"]?["code"]?.stringValue == code, "\(ran.step(0).map(JSONWriter.compact) ?? "")", sourceLocation: sourceLocation)
        #expect(ran.step(0)?["error"]?["retryable"]?.boolValue == retryable, sourceLocation: sourceLocation)
        #expect(ran.result?["error"]?["code"]?.stringValue == code, sourceLocation: sourceLocation)
        #expect(ran.result?["error"]?["step"] == "s", sourceLocation: sourceLocation)
        if let messageContains {
            let message = ran.step(0)?["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains(messageContains), "\(message)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - echo, template

    @Test func echoOutputsItsWith() async throws {
        let with: JSONValue = ["a": 1, "b": [true, nil, 2.5], "c": ["d": "x", "e": [:]], "s": "ünïcödé"]
        let ran = try await Self.one("echo", JSONWriter.compact(with))
        #expect(ran.status == "succeeded")
        #expect(ran.step(0)?["output"] == with)
        #expect(ran.output == with)
        #expect(ran.step(0)?["attempts"] == 1)
    }

    @Test func echoWithoutWithOutputsAnEmptyObject() async throws {
        let ran = try await K.run(K.request(K.step("s", "echo")))
        #expect(ran.output == .object([:]))
    }

    @Test(
        arguments: [
            ("Hello {{input.name}}, you are {{input.age}}.", #"{"name": "Ada", "age": 36}"#, "Hello Ada, you are 36."),
            ("no references", "{}", "no references"),
            ("", "{}", ""),
            ("{{input.name}}", #"{"name": "solo"}"#, "solo"),
            ("list={{input.l}} run={{run.id}}", #"{"l": [1, "a"]}"#, #"list=[1,"a"] run=r1"#),
        ] as [(String, String, String)])
    func templateRenders(template: String, input: String, expected: String) async throws {
        let ran = try await Self.one("template", #"{"template": \#(JSONWriter.compact(.string(template)))}"#, input: input)
        #expect(ran.status == "succeeded")
        #expect(ran.output == ["text": .string(expected)])
    }

    @Test func templateUsesEarlierSteps() async throws {
        let text = K.request(
            K.step("a", "echo", #"{"who": "world"}"#),
            K.step("b", "template", #"{"template": "hello {{steps.a.output.who}}"}"#),
            K.step("c", "template", #"{"template": "{{steps.b.output.text}}!"}"#))
        let ran = try await K.run(text)
        #expect(ran.output == ["text": "hello world!"])
    }

    // MARK: - transform

    enum Expected: Sendable {
        case value(JSONValue)
        case failure(String)
    }

    @Test(
        arguments: [
            ("uppercase", #""abc Déf ß""#, nil, Expected.value("ABC DÉF SS")),
            ("uppercase", #""""#, nil, .value("")),
            ("lowercase", #""ABC ÀÉ""#, nil, .value("abc àé")),
            ("trim", #""  a b \n\t""#, nil, .value("a b")),
            ("trim", #""\n\n""#, nil, .value("")),
            ("trim", #""x""#, nil, .value("x")),
            ("wordCount", #""one two  three\nfour\tfive""#, nil, .value(5)),
            ("wordCount", #""""#, nil, .value(0)),
            ("wordCount", #""   \n\t ""#, nil, .value(0)),
            ("wordCount", #""single""#, nil, .value(1)),
            ("wordCount", #""  lead and trail  ""#, nil, .value(3)),
            ("wordCount", #""a\r\nb""#, nil, .value(2)),
            ("lineCount", #""""#, nil, .value(0)),
            ("lineCount", #""a""#, nil, .value(1)),
            ("lineCount", #""a\n""#, nil, .value(1)),
            ("lineCount", #""a\nb""#, nil, .value(2)),
            ("lineCount", #""a\nb\n""#, nil, .value(2)),
            ("lineCount", #""\n""#, nil, .value(1)),
            ("lineCount", #""\n\n""#, nil, .value(2)),
            ("lineCount", #""a\n\nb""#, nil, .value(3)),
            ("lineCount", #""a\r\nb""#, nil, .value(2)),
            ("lineCount", #""a\r\nb\r\n""#, nil, .value(2)),
            ("pick", #"{"a": 1, "b": [2], "c": {"d": 3}}"#, #"["a", "c"]"#, .value(["a": 1, "c": ["d": 3]])),
            ("pick", #"{"a": 1}"#, "[]", .value(.object([:]))),
            ("pick", #"{"a": null}"#, #"["a"]"#, .value(["a": nil])),
            ("pick", #"{"a": 1}"#, #"["a", "zzz"]"#, .failure("transform_error")),
            ("pick", #""not an object""#, #"["a"]"#, .failure("invalid_input")),
            ("pick", "[1, 2]", #"["0"]"#, .failure("invalid_input")),
            ("jsonParse", #""{\"a\": [1, 2]}""#, nil, .value(["a": [1, 2]])),
            ("jsonParse", #""42""#, nil, .value(42)),
            ("jsonParse", #""\"s\"""#, nil, .value("s")),
            ("jsonParse", #""null""#, nil, .value(nil)),
            ("jsonParse", #""not json""#, nil, .failure("transform_error")),
            ("jsonParse", #""[1,]""#, nil, .failure("transform_error")),
            ("jsonParse", #""""#, nil, .failure("transform_error")),
            ("jsonParse", #""{\"a\": 1, \"a\": 2}""#, nil, .failure("transform_error")),
            ("jsonParse", "5", nil, .failure("invalid_input")),
            ("uppercase", "5", nil, .failure("invalid_input")),
            ("lowercase", "[1]", nil, .failure("invalid_input")),
            ("trim", "null", nil, .failure("invalid_input")),
            ("wordCount", "{}", nil, .failure("invalid_input")),
            ("lineCount", "true", nil, .failure("invalid_input")),
        ] as [(String, String, String?, Expected)])
    func transform(op: String, value: String, fields: String?, expected: Expected) async throws {
        var with = #"{"op": "\#(op)", "value": \#(value)"#
        if let fields { with += #", "fields": \#(fields)"# }
        with += "}"
        let ran = try await Self.one("transform", with)
        switch expected {
        case .value(let v):
            #expect(ran.status == "succeeded", "\(op) \(value): \(ran.step(0).map(JSONWriter.compact) ?? "")")
            #expect(ran.output == ["value": v], "\(op) \(value)")
        case .failure(let code):
            Self.expectFailed(ran, code: code)
        }
    }

    @Test func transformOfAReferencedNumber() async throws {
        let ran = try await Self.one("transform", #"{"op": "uppercase", "value": "{{input.n}}"}"#, input: #"{"n": 5}"#)
        Self.expectFailed(ran, code: "invalid_input", messageContains: "uppercase")
    }

    @Test func pickNamesTheMissingField() async throws {
        let ran = try await Self.one("transform", #"{"op": "pick", "value": {"a": 1, "b": 2}, "fields": ["a", "zzz"]}"#)
        Self.expectFailed(ran, code: "transform_error", messageContains: "'zzz'")
    }

    @Test func opFromAReferenceIsCheckedWhenTheStepRuns() async throws {
        let ran = try await Self.one("transform", #"{"op": "{{input.op}}", "value": "x"}"#, input: #"{"op": "uppercse"}"#)
        Self.expectFailed(ran, code: "invalid_input", messageContains: "uppercse")
    }

    // MARK: - llm

    static let prompt = "Summarize: the quick brown fox jumps over the lazy dog and keeps running far away into the forest of words"

    static func llm(
        model: String = "stub-small", prompt: String = prompt, maxTokens: Int? = nil, extra: String = "", runId: String = "r1",
        configuration: Configuration = .fastForTests, clock: InstantClock = InstantClock()
    ) async throws -> K.Ran {
        var with = #"{"model": "\#(model)", "prompt": \#(JSONWriter.compact(.string(prompt)))"#
        if let maxTokens { with += #", "maxTokens": \#(maxTokens)"# }
        with += "}"
        return try await one("llm", with, extra: extra, runId: runId, configuration: configuration, clock: clock)
    }

    @Test func llmIsDeterministicAcrossRoots() async throws {
        let first = try await Self.llm(runId: "one")
        let second = try await Self.llm(runId: "other-id")
        #expect(first.status == "succeeded")
        let text = try #require(first.output?["text"]?.stringValue)
        #expect(!text.isEmpty)
        #expect(first.output == second.output)
        #expect(first.output?["model"] == "stub-small")
        let prompt = try #require(first.output?["usage"]?["promptTokens"]?.intValue)
        let completion = try #require(first.output?["usage"]?["completionTokens"]?.intValue)
        #expect(prompt > 0)
        #expect(completion > 0)
        #expect(completion == text.split(separator: " ").count)
    }

    @Test func llmDependsOnPromptAndModel() async throws {
        let small = try await Self.llm(model: "stub-small")
        let large = try await Self.llm(model: "stub-large")
        let otherPrompt = try await Self.llm(prompt: Self.prompt + ".")
        #expect(small.output?["text"] != large.output?["text"])
        #expect(small.output?["text"] != otherPrompt.output?["text"])
        #expect(large.output?["model"] == "stub-large")
        let smallCount = small.output?["usage"]?["completionTokens"]?.intValue ?? 0
        let largeCount = large.output?["usage"]?["completionTokens"]?.intValue ?? 0
        #expect(largeCount > smallCount, "a larger model says more: \(smallCount) vs \(largeCount)")
        #expect(small.output?["usage"]?["promptTokens"] == large.output?["usage"]?["promptTokens"])
    }

    @Test(arguments: [1, 2, 5])
    func llmMaxTokensCaps(maxTokens: Int) async throws {
        let ran = try await Self.llm(model: "stub-large", maxTokens: maxTokens)
        #expect(ran.status == "succeeded")
        let text = ran.output?["text"]?.stringValue ?? ""
        let count = ran.output?["usage"]?["completionTokens"]?.intValue ?? -1
        #expect(count <= maxTokens)
        #expect(count == text.split(separator: " ").count)
        #expect(!text.isEmpty)
    }

    @Test func llmLongerPromptCountsMoreTokens() async throws {
        let short = try await Self.llm(prompt: "hi")
        let long = try await Self.llm(prompt: String(repeating: "word ", count: 100))
        let a = short.output?["usage"]?["promptTokens"]?.intValue ?? 0
        let b = long.output?["usage"]?["promptTokens"]?.intValue ?? 0
        #expect(a >= 1)
        #expect(b > a)
    }

    static func configured(_ model: String, failureRate: Double, latencyMs: Int = 0) -> Configuration {
        var c = Configuration.fastForTests
        c.llmModels[model] = LLMModelSettings(latencyMs: latencyMs, failureRate: failureRate, apiKeyEnv: "DROPRUN_TEST_API_KEY")
        return c
    }

    @Test func configuredModelAlwaysRateLimitedIsRetryable() async throws {
        let ran = try await Self.llm(model: "flaky", configuration: Self.configured("flaky", failureRate: 1))
        Self.expectFailed(ran, code: "rate_limited", retryable: true, messageContains: "flaky")
        #expect(ran.step(0)?["attempts"] == 1)
    }

    @Test func rateLimitIsRetriedWithBackoff() async throws {
        let clock = InstantClock()
        let ran = try await Self.llm(
            model: "flaky", extra: #""retry": {"maxAttempts": 3, "backoffMs": 100, "multiplier": 3}"#,
            configuration: Self.configured("flaky", failureRate: 1), clock: clock)
        Self.expectFailed(ran, code: "rate_limited", retryable: true)
        #expect(ran.step(0)?["attempts"] == 3)
        #expect(clock.sleeps == [100, 300])
        let events = ran.root.auditEventNames(runId: "r1")
        #expect(events.filter { $0 == "step.retry" }.count == 2)
        #expect(events.filter { $0 == "step.started" }.count == 3)
    }

    @Test func configuredModelWithoutFailuresWorks() async throws {
        let clock = InstantClock()
        let ran = try await Self.llm(model: "steady", configuration: Self.configured("steady", failureRate: 0, latencyMs: 250), clock: clock)
        #expect(ran.status == "succeeded")
        #expect(ran.output?["model"] == "steady")
        #expect(clock.sleeps == [250], "simulated latency waits on the runner's clock")
        // The credential's variable name is configuration, never output.
        let record = ran.root.read("outbox/results/r1.json") ?? ""
        #expect(!record.contains("DROPRUN_TEST_API_KEY"))
    }

    /// With failureRate 0.5 the outcome of each run is a pure function of its ids: two roots agree.
    @Test func halfFailureRateIsReproducible() async throws {
        let configuration = Self.configured("coin", failureRate: 0.5)
        func outcomes() async throws -> [String] {
            let root = try TemporaryRoot()
            for i in 0..<24 {
                let text = K.request(
                    K.step("s", "llm", #"{"model": "coin", "prompt": "p\#(i)"}"#, extra: #""retry": {"maxAttempts": 2, "backoffMs": 1}"#))
                try root.drop("coin-\(i).json", text)
            }
            try await root.runOnce(configuration: configuration)
            return (0..<24).map { i in
                let step = root.json("outbox/results/coin-\(i).json")?["steps"]?.arrayValue?.first
                return "\(step?["status"]?.stringValue ?? "?")/\(step?["attempts"]?.intValue ?? -1)/\(step?["output"]?["text"]?.stringValue ?? "-")"
            }
        }
        let first = try await outcomes()
        let second = try await outcomes()
        #expect(first == second)
        #expect(!first.contains { $0.hasPrefix("?") })
        let failed = first.filter { $0.hasPrefix("failed") }.count
        #expect(failed > 0 && failed < 24, "with p=0.5 per attempt some runs fail and some succeed: \(first)")
        #expect(first.contains { $0.hasPrefix("succeeded/2") }, "some runs succeed on their retry: \(first)")
    }

    @Test func modelFromAReferenceIsCheckedWhenTheStepRuns() async throws {
        let ran = try await Self.one("llm", #"{"model": "{{input.m}}", "prompt": "x"}"#, input: #"{"m": "stub-smal"}"#)
        Self.expectFailed(ran, code: "invalid_input", messageContains: "stub-smal")
    }

    // MARK: - artifact

    static func artifactFile(_ ran: K.Ran, _ name: String) -> [UInt8]? {
        K.bytes(ran.root.file("artifacts/\(ran.runId)/\(name)"))
    }

    @Test func artifactFromContent() async throws {
        let ran = try await Self.one("artifact", #"{"name": "out.txt", "content": "hello\nworld"}"#, runId: "art")
        #expect(ran.status == "succeeded")
        let bytes = try #require(Self.artifactFile(ran, "out.txt"))
        #expect(bytes == Array("hello\nworld".utf8))
        #expect(
            ran.output == [
                "name": "out.txt", "path": "artifacts/art/out.txt", "size": .int(bytes.count), "sha256": .string(SHA256.hex(bytes)),
            ])
        let entry = try #require(ran.result?["artifacts"]?.arrayValue?.first)
        #expect(
            entry == [
                "name": "out.txt", "path": "artifacts/art/out.txt", "size": .int(bytes.count), "sha256": .string(SHA256.hex(bytes)),
                "mediaType": "text/plain", "step": "s",
            ])
        #expect(ran.root.auditEventNames(runId: "art").contains("artifact.written"))
    }

    @Test func artifactFromJSON() async throws {
        let json: JSONValue = ["b": 1, "a": [true, nil], "ü": "x"]
        let ran = try await Self.one("artifact", #"{"name": "data.bin", "json": \#(JSONWriter.compact(json))}"#, runId: "art")
        let bytes = try #require(Self.artifactFile(ran, "data.bin"))
        #expect(try JSONParser.parse(bytes) == json)
        #expect(bytes == JSONWriter.prettyBytes(json))
        #expect(
            ran.result?["artifacts"]?.arrayValue?.first?["mediaType"] == "application/json", "json defaults to application/json whatever the name")
        #expect(ran.output?["sha256"]?.stringValue == SHA256.hex(bytes))
        #expect(ran.output?["size"]?.intValue == bytes.count)
    }

    @Test(
        arguments: [
            ("a.txt", nil, "text/plain"),
            ("a.md", nil, "text/markdown"),
            ("a.csv", nil, "text/csv"),
            ("a.JSON", nil, "application/json"),
            ("a.html", nil, "text/html"),
            ("a.bin", nil, "application/octet-stream"),
            ("noext", nil, "application/octet-stream"),
            ("a.txt", "text/csv", "text/csv"),
            ("a.bin", "image/png", "image/png"),
        ] as [(String, String?, String)])
    func artifactMediaType(name: String, mediaType: String?, expected: String) async throws {
        var with = #"{"name": "\#(name)", "content": "x""#
        if let mediaType { with += #", "mediaType": "\#(mediaType)""# }
        with += "}"
        let ran = try await Self.one("artifact", with)
        #expect(ran.status == "succeeded")
        #expect(ran.result?["artifacts"]?.arrayValue?.first?["mediaType"]?.stringValue == expected)
    }

    @Test func nestedArtifactName() async throws {
        let ran = try await Self.one("artifact", #"{"name": "a/b/c.txt", "content": "deep"}"#, runId: "nest")
        #expect(ran.status == "succeeded")
        #expect(Self.artifactFile(ran, "a/b/c.txt") == Array("deep".utf8))
        #expect(ran.output?["name"] == "a/b/c.txt")
        #expect(ran.output?["path"] == "artifacts/nest/a/b/c.txt")
    }

    @Test func emptyContentIsAnEmptyFile() async throws {
        let ran = try await Self.one("artifact", #"{"name": "empty.txt", "content": ""}"#)
        #expect(Self.artifactFile(ran, "empty.txt") == [])
        #expect(ran.output?["size"] == 0)
        #expect(ran.output?["sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test(arguments: ["../x", "/x", "a\\b", "manifest.json", "a/../../x", "", ".x.tmp", "a//b"])
    func unsafeNamesAreRejectedAtDrop(name: String) async throws {
        let text = K.request(K.step("first", "echo"), K.step("w", "artifact", #"{"name": \#(JSONWriter.compact(.string(name))), "content": "x"}"#))
        let root = try TemporaryRoot()
        try root.drop("unsafe.json", text)
        let summary = try await root.runOnce()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.invalidRequest)])
        let error = root.json("outbox/rejected/unsafe.json.error.json")
        #expect(error?["reason"] == "invalid_request")
        #expect(
            error?["errors"]?.arrayValue?.contains { $0["path"] == "$.workflow.steps[1].with.name" } == true,
            "\(error.map(JSONWriter.compact) ?? "no error file")")
        #expect(K.tree(root.file("artifacts")).isEmpty)
        #expect(root.list("outbox/results").isEmpty)
    }

    /// A name built from a reference is only known when the step runs: it fails the step and writes nothing anywhere.
    @Test(arguments: ["../x", "../../escaped.txt", "/tmp/droprun-escape.txt", "manifest.json", "a\\b", "sub/../../x", ""])
    func unsafeNameFromAReferenceFailsTheStep(name: String) async throws {
        let text = K.request(
            K.step("w", "artifact", #"{"name": "{{input.name}}", "content": "escaped"}"#),
            K.step("after", "echo"),
            input: #"{"name": \#(JSONWriter.compact(.string(name)))}"#)
        let ran = try await K.run(text, runId: "esc")
        Self.expectFailedStep(ran, step: 0, code: "artifact_error")
        #expect(ran.step(1)?["status"] == "skipped")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/droprun-escape.txt"))
        #expect(!ran.root.exists("escaped.txt"))
        #expect(!ran.root.exists("x"))
        #expect(!ran.root.exists("artifacts/x"))
        let everything = K.tree(ran.root.path)
        #expect(!everything.contains { $0.hasSuffix("escaped.txt") || $0 == "x" || $0.hasSuffix("/x") }, "\(everything)")
        // Nothing under artifacts/ at all, and no file anywhere holds the content.
        #expect(K.tree(ran.root.file("artifacts")).allSatisfy { $0 == "esc" }, "\(K.tree(ran.root.file("artifacts")))")
        #expect(ran.result?["artifacts"] == [])
    }

    static func expectFailedStep(_ ran: K.Ran, step: Int, code: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(ran.status == "failed", sourceLocation: sourceLocation)
        #expect(ran.step(step)?["status"] == "failed", sourceLocation: sourceLocation)
        #expect(
            ran.step(step)?["error"]?["code"]?.stringValue == code, "\(ran.step(step).map(JSONWriter.compact) ?? "")", sourceLocation: sourceLocation)
        #expect(ran.result?["error"]?["code"]?.stringValue == code, sourceLocation: sourceLocation)
    }

    @Test func manifestListsTheSameArtifactsAsTheRecord() async throws {
        let text = K.request(
            K.step("one", "artifact", ##"{"name": "report.md", "content": "# Title"}"##),
            K.step("two", "artifact", #"{"name": "data/rows.json", "json": [1, 2, 3]}"#),
            K.step("three", "artifact", #"{"name": "blob", "content": "{{run.id}}", "mediaType": "text/x-id"}"#))
        let ran = try await K.run(text, runId: "many")
        #expect(ran.status == "succeeded")
        let recorded = try #require(ran.result?["artifacts"]?.arrayValue)
        #expect(recorded.count == 3)
        let manifest = try #require(ran.root.json("artifacts/many/manifest.json"))
        #expect(manifest["artifacts"]?.arrayValue == recorded)
        #expect(manifest["runId"] == "many")
        for entry in recorded {
            let name = try #require(entry["name"]?.stringValue)
            let bytes = try #require(K.bytes(ran.root.file("artifacts/many/" + name)))
            #expect(entry["sha256"]?.stringValue == SHA256.hex(bytes), "\(name)")
            #expect(entry["size"]?.intValue == bytes.count)
            #expect(entry["path"]?.stringValue == "artifacts/many/" + name)
        }
        #expect(recorded.map { $0["step"]?.stringValue ?? "" } == ["one", "two", "three"])
        #expect(Self.artifactFile(ran, "blob") == Array("many".utf8))
        #expect(Set(K.tree(ran.root.file("artifacts/many"))) == ["blob", "data", "data/rows.json", "manifest.json", "report.md"])
    }

    @Test func twoStepsCannotWriteOneName() async throws {
        let text = K.request(
            K.step("one", "artifact", #"{"name": "same.txt", "content": "first"}"#),
            K.step("two", "artifact", #"{"name": "same.txt", "content": "second"}"#))
        let ran = try await K.run(text)
        Self.expectFailedStep(ran, step: 1, code: "artifact_error")
        #expect(Self.artifactFile(ran, "same.txt") == Array("first".utf8))
    }

    /// Artifacts written before a later step failed are still recorded, in the record and the manifest alike.
    @Test func artifactsOfAFailedRunAreStillListed() async throws {
        let text = K.request(
            K.step("write", "artifact", #"{"name": "partial.txt", "content": "half"}"#),
            K.step("boom", "fail", #"{"code": "late_failure"}"#))
        let ran = try await K.run(text, runId: "half")
        Self.expectFailedStep(ran, step: 1, code: "late_failure")
        let recorded = try #require(ran.result?["artifacts"]?.arrayValue)
        #expect(recorded.map { $0["name"] } == ["partial.txt"])
        #expect(ran.root.json("artifacts/half/manifest.json")?["artifacts"]?.arrayValue == recorded)
        #expect(Self.artifactFile(ran, "partial.txt") == Array("half".utf8))
    }

    @Test func aFileInTheWayOfAFolderFailsTheStep() async throws {
        let text = K.request(
            K.step("one", "artifact", #"{"name": "a", "content": "file"}"#),
            K.step("two", "artifact", #"{"name": "a/b.txt", "content": "nested"}"#))
        let ran = try await K.run(text, runId: "inway")
        Self.expectFailedStep(ran, step: 1, code: "artifact_error")
        #expect(Self.artifactFile(ran, "a") == Array("file".utf8))
        #expect(ran.result?["artifacts"]?.arrayValue?.map { $0["name"] } == ["a"])
        #expect(ran.root.json("artifacts/inway/manifest.json")?["artifacts"] == ran.result?["artifacts"])
    }

    @Test func artifactNameFromTheRunID() async throws {
        let ran = try await Self.one("artifact", #"{"name": "{{run.id}}/out.txt", "content": "x"}"#, runId: "named-run")
        #expect(ran.status == "succeeded")
        #expect(ran.output?["path"] == "artifacts/named-run/named-run/out.txt")
        #expect(Self.artifactFile(ran, "named-run/out.txt") == Array("x".utf8))
    }

    // MARK: - fail

    @Test func failDefaults() async throws {
        let ran = try await Self.one("fail", "{}")
        Self.expectFailed(ran, code: "failed", retryable: false)
        #expect(ran.step(0)?["attempts"] == 1)
        #expect(ran.step(0)?["error"]?["message"]?.stringValue?.isEmpty == false)
    }

    @Test func failWithCodeAndMessage() async throws {
        let ran = try await Self.one("fail", #"{"code": "boom", "message": "it went boom"}"#, extra: #""retry": {"maxAttempts": 4}"#)
        Self.expectFailed(ran, code: "boom", retryable: false)
        #expect(ran.step(0)?["error"]?["message"] == "it went boom")
        #expect(ran.result?["error"]?["message"] == "it went boom")
        #expect(ran.step(0)?["attempts"] == 1, "a non-retryable failure is not retried")
    }

    @Test(
        arguments: [
            // (with, maxAttempts, status, attempts, sleeps)
            (#"{"retryable": true}"#, 3, "failed", 3, [50, 100]),
            (#"{"retryable": true}"#, 1, "failed", 1, []),
            (#"{"retryable": true, "times": 2}"#, 3, "succeeded", 3, [50, 100]),
            (#"{"retryable": true, "times": 1}"#, 3, "succeeded", 2, [50]),
            (#"{"retryable": true, "times": 5}"#, 3, "failed", 3, [50, 100]),
            (#"{"retryable": false, "times": 2}"#, 3, "failed", 1, []),
            (#"{"times": 0}"#, 1, "succeeded", 1, []),
        ] as [(String, Int, String, Int, [Int])])
    func failRetriesAndTimes(with: String, maxAttempts: Int, status: String, attempts: Int, sleeps: [Int]) async throws {
        let clock = InstantClock()
        let ran = try await Self.one("fail", with, extra: #""retry": {"maxAttempts": \#(maxAttempts), "backoffMs": 50}"#, clock: clock)
        #expect(ran.status == status, "\(ran.result.map(JSONWriter.compact) ?? "")")
        #expect(ran.step(0)?["attempts"]?.intValue == attempts)
        #expect(clock.sleeps == sleeps)
        if status == "succeeded" {
            #expect(ran.output == ["attempt": .int(attempts)])
        } else {
            #expect(ran.step(0)?["error"]?["code"] == "failed")
        }
        #expect(ran.root.auditEventNames(runId: "r1").filter { $0 == "step.retry" }.count == sleeps.count)
    }

    // MARK: - delay

    @Test(arguments: [0, 1, 1_500, 29_999])
    func delayWaitsOnTheRunnersClock(ms: Int) async throws {
        let clock = InstantClock()
        let ran = try await Self.one("delay", #"{"ms": \#(ms)}"#, clock: clock)
        #expect(ran.status == "succeeded", "\(ran.result.map(JSONWriter.compact) ?? "")")
        #expect(ran.output == ["waitedMs": .int(ms)])
        #expect(clock.sleeps == [ms], "\(clock.sleeps)")
    }

    /// A delay of an hour, with step and run limits above it.
    @Test func longDelayWaitsOnTheRunnersClock() async throws {
        let clock = InstantClock(horizonMs: 3_600_001)
        var configuration = Configuration.fastForTests
        configuration.stepTimeoutMs = 86_400_000
        configuration.runTimeoutSeconds = 7_200
        let ran = try await Self.one("delay", #"{"ms": 3600000}"#, configuration: configuration, clock: clock)
        #expect(ran.status == "succeeded", "\(ran.result.map(JSONWriter.compact) ?? "")")
        #expect(ran.output == ["waitedMs": 3_600_000])
        #expect(clock.sleeps == [3_600_000])
        #expect(ran.step(0)?["durationMs"] == 3_600_000)
    }

    // MARK: - Custom providers

    static var customRegistry: ProviderRegistry {
        var registry = ProviderRegistry.builtIn
        registry.register(ShoutProvider())
        registry.register(CrashingProvider())
        return registry
    }

    @Test func customProviderRuns() async throws {
        let text = K.request(K.step("s", "shout", #"{"text": "{{input.word}}", "times": 2}"#), input: #"{"word": "hey"}"#)
        let ran = try await K.run(text, runId: "custom", registry: Self.customRegistry)
        #expect(ran.status == "succeeded")
        #expect(ran.output == ["shout": "HEY!HEY!", "attempt": 1, "run": "custom"])
        #expect(ran.step(0)?["provider"] == "shout")
    }

    @Test func customProviderValidatesAtDrop() {
        let decoder = RequestDecoder(configuration: Configuration(), registry: Self.customRegistry)
        let missing = decoder.decode(Array(K.request(K.step("s", "shout", "{}")).utf8), fileName: "x.json")
        guard case .failure(let rejection) = missing else {
            Issue.record("accepted")
            return
        }
        #expect(rejection.issues.map { $0.path?.description } == ["$.workflow.steps[0].with.text"])
        let unknownKey = decoder.decode(Array(K.request(K.step("s", "shout", #"{"text": "a", "tims": 2}"#)).utf8), fileName: "x.json")
        guard case .failure(let rejection2) = unknownKey else {
            Issue.record("accepted")
            return
        }
        #expect(rejection2.issues.first?.path?.description == "$.workflow.steps[0].with.tims")
        #expect(rejection2.issues.first?.message.contains("did you mean 'times'?") == true)
        let typo = decoder.decode(Array(K.request(K.step("s", "shuot", #"{"text": "a"}"#)).utf8), fileName: "x.json")
        guard case .failure(let rejection3) = typo else {
            Issue.record("accepted")
            return
        }
        #expect(rejection3.issues.first?.message.contains("did you mean 'shout'?") == true)
    }

    @Test func customProviderIsUnknownWithoutRegistration() async throws {
        let text = K.request(K.step("s", "shout", #"{"text": "x"}"#))
        let root = try TemporaryRoot()
        try root.drop("c.json", text)
        let summary = try await root.runOnce()
        #expect(summary.outcomes.map(\.kind) == [.rejected(.invalidRequest)])
        let error = root.json("outbox/rejected/c.json.error.json")
        let errors = error?["errors"]?.arrayValue ?? []
        #expect(
            errors.contains {
                $0["path"] == "$.workflow.steps[0].provider" && $0["message"]?.stringValue?.contains("unknown provider 'shout'") == true
            },
            "\(errors)")
        #expect(!ProviderRegistry.builtIn.names.contains("shout"))
        #expect(Self.customRegistry.names.contains("shout"))
    }

    @Test func foreignErrorsBecomeProviderErrors() async throws {
        let ran = try await K.run(K.request(K.step("s", "crash")), registry: Self.customRegistry)
        Self.expectFailed(ran, code: "provider_error", retryable: false, messageContains: "crash")
    }

    /// The contract's table of built-in providers.
    @Test func builtInRegistryHasEveryContractProvider() {
        let contract: Set<String> = ["echo", "template", "transform", "llm", "artifact", "fail", "delay", "approval", "exec"]
        let missing = contract.subtracting(ProviderRegistry.builtIn.names)
        #expect(missing.isEmpty, "built-in providers missing: \(missing.sorted())")
    }

    @Test func registryListsAndReplaces() {
        let builtIn = ProviderRegistry.builtIn
        #expect(Set(builtIn.names).isSuperset(of: ["artifact", "delay", "echo", "fail", "llm", "template", "transform"]), "\(builtIn.names)")
        #expect(builtIn.names == builtIn.names.sorted())
        #expect(builtIn.all.map(\.name) == builtIn.names)
        for provider in builtIn.all { #expect(!provider.summary.isEmpty) }
        var registry = builtIn
        struct Replacement: Provider {
            var name: String { "echo" }
            var summary: String { "replaced" }
            func validate(_ with: inout JSONObjectReader, context: ValidationContext) {}
            func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue { "replaced" }
        }
        registry.register(Replacement())
        #expect(registry.names == builtIn.names)
        #expect(registry.provider(named: "echo")?.summary == "replaced")
        #expect(ProviderRegistry().names.isEmpty)
        #expect(ProviderRegistry().provider(named: "echo") == nil)
    }
}
