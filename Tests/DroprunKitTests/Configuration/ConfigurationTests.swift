import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun.json`: defaults, strict parsing, and loading.
@Suite struct ConfigurationTests {
    static func parse(_ text: String) throws -> Configuration {
        try Configuration.parse(JSONParser.parse(text), file: "droprun.json")
    }

    /// The configuration error for `text`; records an issue when there is none.
    static func error(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigurationError? {
        let json: JSONValue
        do {
            json = try JSONParser.parse(text)
        } catch {
            Issue.record("the test's JSON is broken: \(error)", sourceLocation: sourceLocation)
            return nil
        }
        do {
            let configuration = try Configuration.parse(json, file: "/root/droprun.json")
            Issue.record("accepted: \(configuration)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test func emptyObjectGivesTheContractDefaults() throws {
        let c = try Self.parse("{}")
        #expect(c == Configuration())
        #expect(c.concurrency == 4)
        #expect(c.pollIntervalMs == 500)
        #expect(c.settleMs == 0)
        #expect(c.maxRequestBytes == 1_048_576)
        #expect(c.durability == .strict)
        #expect(c.leaseSeconds == 30)
        #expect(c.stepTimeoutMs == 60_000)
        #expect(c.runTimeoutSeconds == 3_600)
        #expect(c.workflowsFolder == "workflows")
        #expect(c.llmModels.isEmpty)
        #expect(c.execCommands.isEmpty)
    }

    @Test func contractExampleParses() throws {
        let c = try Self.parse(
            #"""
            {
              "concurrency": 4,
              "pollIntervalMs": 500,
              "settleMs": 0,
              "maxRequestBytes": 1048576,
              "durability": "strict",
              "leaseSeconds": 30,
              "defaults": { "stepTimeoutMs": 60000, "runTimeoutSeconds": 3600 },
              "workflows": "workflows",
              "providers": {
                "llm":  { "models": { "stub-small": { "latencyMs": 0, "failureRate": 0, "apiKeyEnv": "OPENAI_API_KEY" } } },
                "exec": { "commands": { "wc": { "path": "/usr/bin/wc", "timeoutMs": 5000, "retryableExitCodes": [75], "env": [] } } }
              }
            }
            """#)
        var expected = Configuration()
        expected.llmModels["stub-small"] = LLMModelSettings(latencyMs: 0, failureRate: 0, apiKeyEnv: "OPENAI_API_KEY")
        var wc = ExecCommandSettings(path: "/usr/bin/wc")
        wc.timeoutMs = 5_000
        wc.retryableExitCodes = [75]
        wc.env = []
        expected.execCommands["wc"] = wc
        #expect(c == expected)
    }

    @Test func everyTopLevelValueIsRead() throws {
        let c = try Self.parse(
            #"""
            {"concurrency": 16, "pollIntervalMs": 10, "settleMs": 2500, "maxRequestBytes": 4096, "durability": "fast",
             "leaseSeconds": 86400, "defaults": {"stepTimeoutMs": 1, "runTimeoutSeconds": 2592000}, "workflows": "flows/v2"}
            """#)
        #expect(c.concurrency == 16)
        #expect(c.pollIntervalMs == 10)
        #expect(c.settleMs == 2_500)
        #expect(c.maxRequestBytes == 4_096)
        #expect(c.durability == .fast)
        #expect(c.leaseSeconds == 86_400)
        #expect(c.stepTimeoutMs == 1)
        #expect(c.runTimeoutSeconds == 2_592_000)
        #expect(c.workflowsFolder == "flows/v2")
    }

    @Test(arguments: [("strict", Durability.strict), ("fast", Durability.fast)] as [(String, Durability)])
    func durabilityChoices(text: String, expected: Durability) throws {
        #expect(try Self.parse(#"{"durability": "\#(text)"}"#).durability == expected)
    }

    // MARK: - Wrong types and ranges

    @Test(
        arguments: [
            (#"{"concurrency": "4"}"#, "$.concurrency", "expected a whole number"),
            (#"{"concurrency": 1.5}"#, "$.concurrency", "expected a whole number"),
            (#"{"concurrency": 0}"#, "$.concurrency", "found 0"),
            (#"{"concurrency": 257}"#, "$.concurrency", "found 257"),
            (#"{"concurrency": null}"#, "$.concurrency", "found null"),
            (#"{"pollIntervalMs": true}"#, "$.pollIntervalMs", "found a boolean"),
            (#"{"pollIntervalMs": 9}"#, "$.pollIntervalMs", "found 9"),
            (#"{"settleMs": -1}"#, "$.settleMs", "found -1"),
            (#"{"settleMs": "500ms"}"#, "$.settleMs", "found a string"),
            (#"{"maxRequestBytes": "1MB"}"#, "$.maxRequestBytes", "expected a whole number"),
            (#"{"maxRequestBytes": 0}"#, "$.maxRequestBytes", "found 0"),
            (#"{"durability": "fsync"}"#, "$.durability", "'strict', 'fast'"),
            (#"{"durability": "Fast"}"#, "$.durability", "did you mean 'fast'?"),
            (#"{"durability": "strcit"}"#, "$.durability", "did you mean 'strict'?"),
            (#"{"durability": 1}"#, "$.durability", "expected a string"),
            (#"{"leaseSeconds": 0}"#, "$.leaseSeconds", "found 0"),
            (#"{"leaseSeconds": [30]}"#, "$.leaseSeconds", "found an array"),
            (#"{"defaults": []}"#, "$.defaults", "expected an object"),
            (#"{"defaults": {"stepTimeoutMs": "60s"}}"#, "$.defaults.stepTimeoutMs", "expected a whole number"),
            (#"{"defaults": {"stepTimeoutMs": 0}}"#, "$.defaults.stepTimeoutMs", "found 0"),
            (#"{"defaults": {"runTimeoutSeconds": 0}}"#, "$.defaults.runTimeoutSeconds", "found 0"),
            (#"{"defaults": {"runTimeoutSeconds": 1.5}}"#, "$.defaults.runTimeoutSeconds", "expected a whole number"),
            (#"{"workflows": 5}"#, "$.workflows", "expected a string"),
            (#"{"workflows": "/etc"}"#, "$.workflows", "'/etc'"),
            (#"{"workflows": "../elsewhere"}"#, "$.workflows", "'../elsewhere'"),
            (#"{"workflows": "a/../../b"}"#, "$.workflows", "inside the root"),
            (#"{"workflows": ""}"#, "$.workflows", "inside the root"),
            (#"{"providers": 1}"#, "$.providers", "expected an object"),
            (#"{"providers": {"llm": []}}"#, "$.providers.llm", "expected an object"),
            (#"{"providers": {"llm": {"models": "stub"}}}"#, "$.providers.llm.models", "expected an object"),
            (#"{"providers": {"llm": {"models": {"m": 5}}}}"#, "$.providers.llm.models.m", "expected an object"),
            (#"{"providers": {"llm": {"models": {"m": {"latencyMs": "x"}}}}}"#, "$.providers.llm.models.m.latencyMs", "expected a whole number"),
            (#"{"providers": {"llm": {"models": {"m": {"latencyMs": -1}}}}}"#, "$.providers.llm.models.m.latencyMs", "found -1"),
            (#"{"providers": {"llm": {"models": {"m": {"failureRate": 1.5}}}}}"#, "$.providers.llm.models.m.failureRate", "from 0 to 1"),
            (#"{"providers": {"llm": {"models": {"m": {"failureRate": -0.1}}}}}"#, "$.providers.llm.models.m.failureRate", "found -0.1"),
            (#"{"providers": {"llm": {"models": {"m": {"failureRate": "half"}}}}}"#, "$.providers.llm.models.m.failureRate", "expected a number"),
            (#"{"providers": {"llm": {"models": {"m": {"apiKeyEnv": 5}}}}}"#, "$.providers.llm.models.m.apiKeyEnv", "expected a string"),
            (#"{"providers": {"exec": 0}}"#, "$.providers.exec", "expected an object"),
            (#"{"providers": {"exec": {"commands": []}}}"#, "$.providers.exec.commands", "expected an object"),
            (#"{"providers": {"exec": {"commands": {"wc": "/usr/bin/wc"}}}}"#, "$.providers.exec.commands.wc", "expected an object"),
            (#"{"providers": {"exec": {"commands": {"wc": {}}}}}"#, "$.providers.exec.commands.wc.path", "required, but missing"),
            (#"{"providers": {"exec": {"commands": {"wc": {"path": "wc"}}}}}"#, "$.providers.exec.commands.wc.path", "absolute path"),
            (#"{"providers": {"exec": {"commands": {"wc": {"path": "bin/wc"}}}}}"#, "$.providers.exec.commands.wc.path", "'bin/wc'"),
            (#"{"providers": {"exec": {"commands": {"wc": {"path": 7}}}}}"#, "$.providers.exec.commands.wc.path", "expected a string"),
            (
                #"{"providers": {"exec": {"commands": {"wc": {"path": "/usr/bin/wc", "timeoutMs": 0}}}}}"#, "$.providers.exec.commands.wc.timeoutMs",
                "found 0"
            ),
            (
                #"{"providers": {"exec": {"commands": {"wc": {"path": "/usr/bin/wc", "retryableExitCodes": "75"}}}}}"#,
                "$.providers.exec.commands.wc.retryableExitCodes", "whole numbers"
            ),
            (
                #"{"providers": {"exec": {"commands": {"wc": {"path": "/usr/bin/wc", "retryableExitCodes": [75, "x"]}}}}}"#,
                "$.providers.exec.commands.wc.retryableExitCodes", "whole numbers"
            ),
            (
                #"{"providers": {"exec": {"commands": {"wc": {"path": "/usr/bin/wc", "retryableExitCodes": [1.5]}}}}}"#,
                "$.providers.exec.commands.wc.retryableExitCodes", "whole numbers"
            ),
            (
                #"{"providers": {"exec": {"commands": {"wc": {"path": "/usr/bin/wc", "env": "PATH"}}}}}"#, "$.providers.exec.commands.wc.env",
                "array of strings"
            ),
            (
                #"{"providers": {"exec": {"commands": {"wc": {"path": "/usr/bin/wc", "env": ["A", 1]}}}}}"#, "$.providers.exec.commands.wc.env[1]",
                "expected a string"
            ),
            (
                #"{"providers": {"exec": {"commands": {"wc": {"path": "/usr/bin/wc", "workingDirectory": false}}}}}"#,
                "$.providers.exec.commands.wc.workingDirectory", "expected a string"
            ),
            (#"{"providers": {"exec": {"commands": {"my tool": {"path": "x"}}}}}"#, #"$.providers.exec.commands["my tool"].path"#, "absolute"),
        ] as [(String, String, String)])
    func wrongTypeNamesTheKey(text: String, path: String, fragment: String) {
        guard let error = Self.error(text) else { return }
        let matching = error.issues.filter { $0.path?.description == path }
        #expect(!matching.isEmpty, "no issue at \(path): \(error.issues.map(\.description))")
        #expect(matching.contains { $0.message.contains(fragment) }, "'\(fragment)' not in \(matching.map(\.message))")
        #expect(error.file == "/root/droprun.json")
        #expect(error.description.contains(path), "\(error.description)")
        #expect(error.description.contains("/root/droprun.json"))
    }

    @Test(arguments: ["[]", #""config""#, "5", "null", "true"])
    func topLevelMustBeAnObject(text: String) {
        guard let error = Self.error(text) else { return }
        #expect(error.issues.first?.path?.description == "$")
        #expect(error.issues.first?.message.contains("expected an object") == true)
    }

    // MARK: - Unknown keys

    @Test(
        arguments: [
            (#"{"concurency": 2}"#, "$.concurency", "concurrency"),
            (#"{"Concurrency": 2}"#, "$.Concurrency", "concurrency"),
            (#"{"pollIntervalMS": 2}"#, "$.pollIntervalMS", "pollIntervalMs"),
            (#"{"settelMs": 2}"#, "$.settelMs", "settleMs"),
            (#"{"maxRequestByte": 2}"#, "$.maxRequestByte", "maxRequestBytes"),
            (#"{"durablity": "fast"}"#, "$.durablity", "durability"),
            (#"{"leaseSecond": 1}"#, "$.leaseSecond", "leaseSeconds"),
            (#"{"workflow": "w"}"#, "$.workflow", "workflows"),
            (#"{"default": {}}"#, "$.default", "defaults"),
            (#"{"provider": {}}"#, "$.provider", "providers"),
            (#"{"defaults": {"stepTimeout": 5}}"#, "$.defaults.stepTimeout", "stepTimeoutMs"),
            (#"{"defaults": {"runTimeoutSecond": 5}}"#, "$.defaults.runTimeoutSecond", "runTimeoutSeconds"),
            (#"{"providers": {"lm": {}}}"#, "$.providers.lm", "llm"),
            (#"{"providers": {"exce": {}}}"#, "$.providers.exce", "exec"),
            (#"{"providers": {"llm": {"model": {}}}}"#, "$.providers.llm.model", "models"),
            (#"{"providers": {"llm": {"models": {"m": {"latency": 1}}}}}"#, "$.providers.llm.models.m.latency", "latencyMs"),
            (#"{"providers": {"llm": {"models": {"m": {"failurerate": 0.1}}}}}"#, "$.providers.llm.models.m.failurerate", "failureRate"),
            (#"{"providers": {"llm": {"models": {"m": {"apiKey": "sk-123"}}}}}"#, "$.providers.llm.models.m.apiKey", "apiKeyEnv"),
            (#"{"providers": {"exec": {"command": {}}}}"#, "$.providers.exec.command", "commands"),
            (
                #"{"providers": {"exec": {"commands": {"wc": {"path": "/usr/bin/wc", "retryableExitCode": [1]}}}}}"#,
                "$.providers.exec.commands.wc.retryableExitCode", "retryableExitCodes"
            ),
            (#"{"providers": {"exec": {"commands": {"wc": {"path": "/usr/bin/wc", "envs": []}}}}}"#, "$.providers.exec.commands.wc.envs", "env"),
            (
                #"{"providers": {"exec": {"commands": {"wc": {"path": "/usr/bin/wc", "timeout": 1}}}}}"#, "$.providers.exec.commands.wc.timeout",
                "timeoutMs"
            ),
        ] as [(String, String, String)])
    func unknownKeyNamesItAndTheNearestName(text: String, path: String, suggestion: String) {
        guard let error = Self.error(text) else { return }
        let issue = error.issues.first { $0.path?.description == path }
        #expect(issue != nil, "no issue at \(path): \(error.issues.map(\.description))")
        #expect(issue?.message.contains("unknown key") == true, "\(issue?.message ?? "")")
        #expect(issue?.message.contains("did you mean '\(suggestion)'?") == true, "\(issue?.message ?? "")")
    }

    @Test func unknownKeyWithNothingCloseListsTheKnownKeys() {
        guard let error = Self.error(#"{"zzzzzzzz": 1}"#) else { return }
        let message = error.issues.first?.message ?? ""
        #expect(error.issues.first?.path?.description == "$.zzzzzzzz")
        #expect(message.contains("known keys"), "\(message)")
        for key in ["concurrency", "durability", "providers", "defaults"] {
            #expect(message.contains(key), "\(message)")
        }
    }

    /// A credential pasted into the configuration is refused, and never echoed back.
    @Test func pastedSecretIsRefusedWithoutEchoingIt() {
        guard let error = Self.error(#"{"providers": {"llm": {"models": {"m": {"apiKey": "sk-live-SECRET123"}}}}}"#) else { return }
        #expect(!error.description.contains("SECRET123"), "\(error.description)")
    }

    /// `apiKeyEnv` names an environment variable; a pasted key there would put the credential in the file.
    @Test(arguments: ["sk-live-abc123", "my key", "", "1ABC", "A=B"])
    func apiKeyEnvMustBeAVariableName(value: String) {
        guard let error = Self.error(#"{"providers": {"llm": {"models": {"m": {"apiKeyEnv": \#(JSONWriter.compact(.string(value)))}}}}}"#) else {
            return
        }
        #expect(error.issues.contains { $0.path?.description == "$.providers.llm.models.m.apiKeyEnv" }, "\(error.issues)")
    }

    @Test(arguments: ["OPENAI_API_KEY", "_K", "k1"])
    func apiKeyEnvVariableNamesAreAccepted(value: String) throws {
        let c = try Self.parse(#"{"providers": {"llm": {"models": {"m": {"apiKeyEnv": "\#(value)"}}}}}"#)
        #expect(c.llmModels["m"]?.apiKeyEnv == value)
    }

    @Test func everyProblemIsReportedAtOnce() {
        guard
            let error = Self.error(
                #"{"concurency": 2, "settleMs": "x", "defaults": {"stepTimeoutMs": 0}, "providers": {"exec": {"commands": {"a": {"path": "rel"}}}}}"#)
        else { return }
        let paths = Set(error.issues.compactMap { $0.path?.description })
        #expect(paths == ["$.concurency", "$.settleMs", "$.defaults.stepTimeoutMs", "$.providers.exec.commands.a.path"], "\(paths)")
    }

    // MARK: - Providers

    @Test func llmModelsAreParsed() throws {
        let c = try Self.parse(
            #"""
            {"providers": {"llm": {"models": {
              "stub-small": {"latencyMs": 5, "failureRate": 0.25, "apiKeyEnv": "OPENAI_API_KEY"},
              "house": {},
              "flaky": {"failureRate": 1}
            }}}}
            """#)
        #expect(
            c.llmModels == [
                "stub-small": LLMModelSettings(latencyMs: 5, failureRate: 0.25, apiKeyEnv: "OPENAI_API_KEY"),
                "house": LLMModelSettings(),
                "flaky": LLMModelSettings(failureRate: 1),
            ])
        #expect(c.execCommands.isEmpty)
    }

    @Test func execCommandsAreParsed() throws {
        let c = try Self.parse(
            #"""
            {"providers": {"exec": {"commands": {
              "wc": {"path": "/usr/bin/wc", "timeoutMs": 5000, "retryableExitCodes": [75, 111], "env": ["LC_ALL", "TZ"], "workingDirectory": "/tmp"},
              "true": {"path": "/bin/true"}
            }}}}
            """#)
        var wc = ExecCommandSettings(path: "/usr/bin/wc")
        wc.timeoutMs = 5_000
        wc.retryableExitCodes = [75, 111]
        wc.env = ["LC_ALL", "TZ"]
        wc.workingDirectory = "/tmp"
        let plain = ExecCommandSettings(path: "/bin/true")
        #expect(c.execCommands == ["wc": wc, "true": plain])
        #expect(plain.timeoutMs == 60_000)
        #expect(plain.retryableExitCodes.isEmpty)
        #expect(plain.env.isEmpty)
        #expect(plain.workingDirectory == nil)
        #expect(c.llmModels.isEmpty)
    }

    @Test func emptyProviderBlocksAreFine() throws {
        #expect(try Self.parse(#"{"providers": {}}"#) == Configuration())
        #expect(try Self.parse(#"{"providers": {"llm": {}, "exec": {}}}"#) == Configuration())
        #expect(try Self.parse(#"{"providers": {"llm": {"models": {}}, "exec": {"commands": {}}}}"#) == Configuration())
        #expect(try Self.parse(#"{"defaults": {}}"#) == Configuration())
    }

    // MARK: - Loading

    @Test func missingFileGivesTheDefaults() throws {
        let root = try TemporaryRoot()
        #expect(try Configuration.load(root: root.path, fileSystem: PosixFileSystem()) == Configuration())
    }

    @Test func fileIsLoaded() throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"concurrency": 2, "durability": "fast", "defaults": {"stepTimeoutMs": 1000}}"#)
        let c = try Configuration.load(root: root.path, fileSystem: PosixFileSystem())
        #expect(c.concurrency == 2)
        #expect(c.durability == .fast)
        #expect(c.stepTimeoutMs == 1_000)
    }

    @Test(arguments: [
        #"{"concurrency": 2,}"#,
        "{ concurrency: 2 }",
        #"{"concurrency": 2, "concurrency": 3}"#,
        "",
        "// comment\n{}",
    ])
    func invalidJSONIsAnError(text: String) throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", text)
        do {
            let c = try Configuration.load(root: root.path, fileSystem: PosixFileSystem())
            Issue.record("accepted: \(c)")
        } catch {
            #expect(error.file == root.file("droprun.json"))
            #expect(error.issues.first?.message.contains("not valid JSON") == true, "\(error)")
        }
    }

    @Test func invalidUTF8IsAnError() throws {
        let root = try TemporaryRoot()
        try Data([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]).write(to: URL(fileURLWithPath: root.file("droprun.json")))
        #expect(throws: ConfigurationError.self) { try Configuration.load(root: root.path, fileSystem: PosixFileSystem()) }
    }

    @Test func loadReportsTheKeyPath() throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"defaults": {"stepTimeoutMs": "soon"}}"#)
        do {
            _ = try Configuration.load(root: root.path, fileSystem: PosixFileSystem())
            Issue.record("accepted")
        } catch {
            #expect(error.issues.map { $0.path?.description } == ["$.defaults.stepTimeoutMs"])
            #expect(error.file == root.file("droprun.json"))
        }
    }

    @Test func aFolderNamedDroprunJsonIsAnError() throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json/inner", "x")
        #expect(throws: ConfigurationError.self) { try Configuration.load(root: root.path, fileSystem: PosixFileSystem()) }
    }

    @Test func unreadableFileIsAnErrorNotTheDefaults() throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"concurrency": 1}"#)
        let fs = FaultyFileSystem([.init("read", pathContains: "droprun.json", code: EACCES)])
        do {
            let c = try Configuration.load(root: root.path, fileSystem: fs)
            Issue.record("an unreadable configuration was taken as \(c)")
        } catch {
            #expect(error.issues.first?.message.contains("cannot read") == true, "\(error)")
        }
    }

    /// Through the command line: a configuration error is exit 2 and names the key.
    @Test func commandLineExitsTwoNamingTheKey() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"concurency": 2}"#)
        let result = await CLITester(root: root.path).run(["run", "--once", "--root", root.path])
        #expect(result.code == .usage, "\(result)")
        #expect(result.stderr.contains("concurency"), "\(result.stderr)")
        #expect(result.stderr.contains("concurrency"), "\(result.stderr)")
    }
}
