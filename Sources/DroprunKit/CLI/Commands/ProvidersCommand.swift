#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `droprun providers`: the providers, stub models, exec commands and http endpoints, with their configuration checked and secrets masked.
enum ProvidersCommand {
    /// `sk-...3f9a`: enough to recognise a credential, never enough to use it.
    static func mask(_ secret: String) -> String {
        guard secret.count >= 12 else { return String(repeating: "*", count: min(secret.count, 8)) }
        return String(secret.prefix(3)) + "..." + String(secret.suffix(4))
    }

    static func run(_ context: CommandContext) async throws -> ExitCode {
        let configuration = try context.configuration()
        let variables = context.environment.variables
        var problems: [String] = []

        let providers: [JSONValue] = context.environment.registry.all.map { ["name": .string($0.name), "summary": .string($0.summary)] }

        var models: [JSONValue] = []
        for name in LLMProvider.knownModels(configuration) {
            let settings = configuration.llmModels[name] ?? LLMModelSettings()
            var entry: [String: JSONValue] = [
                "name": .string(name), "builtIn": .bool(LLMProvider.builtInModels.contains(name)),
                "latencyMs": .int(settings.latencyMs), "failureRate": .double(settings.failureRate),
            ]
            if let endpoint = settings.endpoint, let api = settings.api {
                entry["endpoint"] = .string(endpoint)
                entry["api"] = .string(api.rawValue)
                entry["remoteModel"] = .string(settings.remoteModel ?? name)
            }
            if let variable = settings.apiKeyEnv {
                entry["apiKeyEnv"] = .string(variable)
                if let value = variables[variable], !value.isEmpty {
                    entry["credential"] = .string(mask(value))
                } else {
                    entry["credential"] = .null
                    problems.append("model '\(name)': environment variable \(variable) (apiKeyEnv) is not set")
                }
            }
            if context.parsed.flag("check"), let endpoint = settings.endpoint, let api = settings.api {
                do {
                    _ = try await LLMProvider.callEndpoint(
                        endpoint, api: api, name: name, settings: settings, prompt: "Reply with OK.", system: nil, maxTokens: 1,
                        configuration: configuration, transport: context.environment.http, environment: variables,
                        now: context.environment.clock.now())
                    entry["check"] = ["ok": true]
                } catch {
                    entry["check"] = ["ok": false, "code": .string(error.code.rawValue), "message": .string(error.message)]
                    problems.append("model '\(name)': the check call failed: \(error.code): \(error.message)")
                }
            }
            models.append(.object(entry))
        }

        var commands: [JSONValue] = []
        for alias in configuration.execCommands.keys.sorted() {
            guard let settings = configuration.execCommands[alias] else { continue }
            let executable = access(settings.path, X_OK) == 0
            if !executable { problems.append("exec command '\(alias)': \(settings.path) is missing or not executable") }
            let missing = settings.env.filter { variables[$0] == nil }
            for variable in missing { problems.append("exec command '\(alias)': environment variable \(variable) (env) is not set") }
            commands.append([
                "alias": .string(alias), "path": .string(settings.path), "executable": .bool(executable), "timeoutMs": .int(settings.timeoutMs),
                "retryableExitCodes": .array(settings.retryableExitCodes.map(JSONValue.int)), "env": .array(settings.env.map(JSONValue.string)),
                "workingDirectory": settings.workingDirectory.map(JSONValue.string) ?? .null,
            ])
        }

        var endpoints: [JSONValue] = []
        for alias in configuration.httpEndpoints.keys.sorted() {
            guard let settings = configuration.httpEndpoints[alias] else { continue }
            var headers: [JSONValue] = []
            for (name, secret) in settings.headers.sorted(by: { $0.key < $1.key }) {
                let value = variables[secret.env].flatMap { $0.isEmpty ? nil : $0 }
                if value == nil { problems.append("http endpoint '\(alias)': environment variable \(secret.env) (headers.\(name)) is not set") }
                headers.append(["name": .string(name), "env": .string(secret.env), "credential": value.map { .string(mask($0)) } ?? .null])
            }
            endpoints.append([
                "alias": .string(alias), "baseURL": .string(settings.baseURL), "methods": .array(settings.methods.map(JSONValue.string)),
                "headers": .array(headers), "timeoutMs": .int(settings.timeoutMs), "maxResponseBytes": .int(settings.maxResponseBytes),
                "retryableStatuses": .array(settings.retryableStatuses.map(JSONValue.int)),
            ])
        }

        if context.json {
            context.printJSON([
                "providers": .array(providers), "llmModels": .array(models), "execCommands": .array(commands), "httpEndpoints": .array(endpoints),
                "problems": .array(problems.map(JSONValue.string)),
            ])
            return problems.isEmpty ? .success : .failure
        }
        let out = context.out
        out.line("PROVIDERS")
        let width = providers.compactMap { $0["name"]?.stringValue?.count }.max() ?? 8
        for p in providers { out.line("  " + (p["name"]?.stringValue ?? "").padding(width) + "  " + (p["summary"]?.stringValue ?? "")) }
        out.line("")
        out.line("LLM MODELS (stub, or a real endpoint)")
        for m in models {
            var line = "  " + (m["name"]?.stringValue ?? "").padding(12) + (m["builtIn"] == true ? "  built in " : "  configured")
            if let endpoint = m["endpoint"]?.stringValue {
                line += "  \(m["api"]?.stringValue ?? "") on endpoint \(endpoint) as '\(m["remoteModel"]?.stringValue ?? "")'"
            } else {
                line += "  latency \(m["latencyMs"]?.intValue ?? 0) ms  failure rate \(JSONWriter.compact(m["failureRate"] ?? 0))"
            }
            if let variable = m["apiKeyEnv"]?.stringValue {
                line += "  credential \(variable): " + (m["credential"]?.stringValue.map { "set (\($0))" } ?? "NOT SET")
            }
            if let check = m["check"] {
                line += check["ok"] == true ? "  check: ok" : "  check: FAILED (\(check["code"]?.stringValue ?? ""))"
            }
            out.line(line)
        }
        out.line("")
        out.line("EXEC COMMANDS")
        if commands.isEmpty { out.line("  none: exec is disabled (name commands under providers.exec.commands in droprun.json)") }
        for c in commands {
            out.line(
                "  \((c["alias"]?.stringValue ?? "").padding(12))  \(c["path"]?.stringValue ?? "")  \(c["executable"] == true ? "ok" : "NOT EXECUTABLE")  timeout \(c["timeoutMs"]?.intValue ?? 0) ms  retryable exit codes \(JSONWriter.compact(c["retryableExitCodes"] ?? []))  env \(JSONWriter.compact(c["env"] ?? []))"
            )
        }
        out.line("")
        out.line("HTTP ENDPOINTS")
        if endpoints.isEmpty { out.line("  none: http is disabled (name endpoints under providers.http.endpoints in droprun.json)") }
        for e in endpoints {
            var line =
                "  \((e["alias"]?.stringValue ?? "").padding(12))  \(e["baseURL"]?.stringValue ?? "")  \(JSONWriter.compact(e["methods"] ?? []))"
            line += "  timeout \(e["timeoutMs"]?.intValue ?? 0) ms  max \(e["maxResponseBytes"]?.intValue ?? 0) bytes"
            for h in e["headers"]?.arrayValue ?? [] {
                let credential = h["credential"]?.stringValue.map { "set (\($0))" } ?? "NOT SET"
                line += "  \(h["name"]?.stringValue ?? "") from \(h["env"]?.stringValue ?? ""): \(credential)"
            }
            out.line(line)
        }
        if !problems.isEmpty {
            out.line("")
            for problem in problems { out.line("problem: \(problem)") }
        }
        return problems.isEmpty ? .success : .failure
    }
}
