import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

@Suite struct ProvidersCommandTests {
    static let secret = "sk-live-Zq8uniquesecretvalue3f9a"

    func root(_ config: String) throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        try root.write("droprun.json", config)
        return root
    }

    @Test(arguments: [("sk-live-Zq8uniquesecretvalue3f9a", "sk-...3f9a"), ("short", "*****"), ("", "")])
    func masksCredentials(_ secret: String, _ masked: String) {
        #expect(ProvidersCommand.mask(secret) == masked)
    }

    @Test func listsProvidersModelsAndCommandsWithSecretsMasked() async throws {
        let root = try root(
            #"""
            {"durability": "fast", "providers": {
              "llm": {"models": {"stub-small": {"apiKeyEnv": "MY_KEY"}, "big": {"latencyMs": 5, "failureRate": 0.25, "apiKeyEnv": "OTHER_KEY"}}},
              "exec": {"commands": {"ls": {"path": "/bin/ls", "env": ["MY_KEY"]}, "gone": {"path": "/nonexistent/tool"}}}}}
            """#)
        let cli = CLITester(root: root.path, variables: ["MY_KEY": Self.secret])
        let text = await cli.run(["providers"])
        #expect(text.code == .failure, "problems: OTHER_KEY unset, /nonexistent/tool missing")
        #expect(text.stdout.contains("credential MY_KEY: set (sk-...3f9a)"))
        #expect(text.stdout.contains("credential OTHER_KEY: NOT SET"))
        #expect(text.stdout.contains("/nonexistent/tool  NOT EXECUTABLE"))
        #expect(!text.stdout.contains(Self.secret))
        for name in ProviderRegistry.builtIn.names { #expect(text.stdout.contains("  \(name)")) }
        let json = try JSONParser.parse(await cli.run(["providers", "--json"]).stdout)
        #expect(json["llmModels"]?.arrayValue?.map { $0["name"]?.stringValue ?? "" } == ["stub-small", "stub-large", "big"])
        #expect(json["problems"]?.arrayValue?.count == 2)
        let ok = try self.root(#"{"durability": "fast"}"#)
        #expect(await CLITester(root: ok.path).run(["providers"]).code == .success)
    }

    @Test func listsHTTPEndpointsWithTheirHeaderVariablesMasked() async throws {
        let root = try root(
            #"""
            {"durability": "fast", "providers": {"http": {"endpoints": {
              "crm": {"baseURL": "https://crm.example.com/api", "headers": {"Authorization": {"env": "MY_KEY", "prefix": "Bearer "}}},
              "hook": {"baseURL": "http://127.0.0.1:9000", "methods": ["POST"], "headers": {"X-Hook-Key": {"env": "HOOK_KEY"}}}}}}}
            """#)
        let cli = CLITester(root: root.path, variables: ["MY_KEY": Self.secret])
        let text = await cli.run(["providers"])
        #expect(text.code == .failure, "HOOK_KEY is not set")
        #expect(text.stdout.contains("HTTP ENDPOINTS"))
        #expect(text.stdout.contains("crm           https://crm.example.com/api"), "\(text.stdout)")
        #expect(text.stdout.contains("Authorization from MY_KEY: set (sk-...3f9a)"), "\(text.stdout)")
        #expect(text.stdout.contains("X-Hook-Key from HOOK_KEY: NOT SET"))
        #expect(text.stdout.contains("problem: http endpoint 'hook': environment variable HOOK_KEY (headers.X-Hook-Key) is not set"))
        #expect(!text.stdout.contains(Self.secret))
        let json = try JSONParser.parse(await cli.run(["providers", "--json"]).stdout)
        #expect(json["httpEndpoints"]?.arrayValue?.map { $0["alias"]?.stringValue ?? "" } == ["crm", "hook"])
        #expect(json["httpEndpoints"]?[0]?["headers"]?[0]?["credential"] == "sk-...3f9a")
        #expect(!JSONWriter.compact(json).contains(Self.secret))
        let bare = try self.root(#"{"durability": "fast"}"#)
        let none = await CLITester(root: bare.path).run(["providers"])
        #expect(none.stdout.contains("none: http is disabled"))
    }

    @Test func checkCallsEachRealModelOnceAndSaysWhetherItsKeyWorks() async throws {
        let root = try root(
            #"""
            {"durability": "fast", "providers": {
              "http": {"endpoints": {"oa": {"baseURL": "https://api.example.com/v1"}, "an": {"baseURL": "https://anthropic.example.com"}}},
              "llm": {"models": {"good": {"endpoint": "oa", "api": "openai", "apiKeyEnv": "MY_KEY"},
                                 "bad": {"endpoint": "an", "api": "anthropic", "apiKeyEnv": "MY_KEY"}}}}}
            """#)
        let ok =
            #"{"model": "m", "choices": [{"message": {"role": "assistant", "content": "OK"}}], "usage": {"prompt_tokens": 3, "completion_tokens": 1}}"#
        let refused = #"{"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}"#
        // Models are checked in their listed order: stubs, then "bad", then "good".
        let transport = ScriptedTransport(
            HTTPResponse(status: 401, headers: ["content-type": "application/json"], body: Array(refused.utf8)),
            HTTPResponse(status: 200, headers: ["content-type": "application/json"], body: Array(ok.utf8)))
        var cli = CLITester(root: root.path, variables: ["MY_KEY": Self.secret])
        cli.http = transport
        let plain = await cli.run(["providers"])
        #expect(plain.code == .success && transport.sent.isEmpty, "no call without --check")
        let text = await cli.run(["providers", "--check"])
        #expect(text.code == .failure)
        #expect(text.stdout.contains("good") && text.stdout.contains("check: ok"), "\(text.stdout)")
        #expect(text.stdout.contains("check: FAILED (model_auth)"), "\(text.stdout)")
        #expect(
            text.stdout.contains("problem: model 'bad': the check call failed: model_auth: model 'bad' (anthropic) answered 401: invalid x-api-key"))
        #expect(!text.stdout.contains(Self.secret))
        #expect(
            transport.sent.map(\.url.absoluteString) == ["https://anthropic.example.com/v1/messages", "https://api.example.com/v1/chat/completions"])
        #expect(transport.sent.allSatisfy { (try? JSONParser.parse($0.body ?? []))?["max_tokens"] == 1 }, "a one-token call")
    }

    @Test func noCredentialValueEverReachesTheRoot() async throws {
        let root = try root(
            #"""
            {"durability": "fast", "providers": {
              "llm": {"models": {"paid": {"apiKeyEnv": "MY_KEY"}}},
              "exec": {"commands": {"cat": {"path": "/bin/cat"}}}}}
            """#)
        try root.drop(
            "r.json",
            RequestText.make(
                id: "r",
                steps: [
                    #"{"id": "ask", "provider": "llm", "with": {"model": "paid", "prompt": "hello"}}"#,
                    #"{"id": "run", "provider": "exec", "with": {"command": "cat", "input": {"x": 1}}}"#,
                    #"{"id": "save", "provider": "artifact", "with": {"name": "a.json", "json": "{{steps.ask.output}}"}}"#,
                ]))
        try root.drop(
            "bad.json", #"{"workflow": {"name": "w", "steps": [{"id": "a", "provider": "llm", "with": {"model": "nope", "prompt": "x"}}]}}"#)
        let cli = CLITester(root: root.path, variables: ["MY_KEY": Self.secret, "PATH": "/usr/bin:/bin"])
        for command in [["run", "--once"], ["providers"], ["providers", "--json"], ["show", "r"], ["audit"], ["list"]] {
            let result = await cli.run(command)
            #expect(!result.stdout.contains(Self.secret) && !result.stderr.contains(Self.secret), "\(command)")
        }
        #expect(root.json("outbox/results/r.json")?["status"] == "succeeded")
        #expect(root.filesHolding(Self.secret).isEmpty, "these hold the credential: \(root.filesHolding(Self.secret))")
        #expect(root.everyFile().count >= 8)
    }
}
