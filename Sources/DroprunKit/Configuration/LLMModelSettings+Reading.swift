extension LLMModelSettings {
    /// Reads `providers.llm` (its `models`) into `models`, reporting problems to `reader`.
    static func read(_ json: JSONValue, at path: JSONPath, into models: inout [String: LLMModelSettings], reporting reader: inout JSONObjectReader) {
        var l = JSONObjectReader(json, at: path)
        if let modelsValue = l.value("models") {
            let modelsPath = path.key("models")
            var m = JSONObjectReader(modelsValue, at: modelsPath)
            for (name, settings) in m.members.sorted(by: { $0.key < $1.key }) {
                _ = m.value(name)
                var s = JSONObjectReader(settings, at: modelsPath.key(name))
                var model = LLMModelSettings()
                if let v = s.int("latencyMs", in: 0...3_600_000) { model.latencyMs = v }
                if let v = s.number("failureRate", in: 0...1) { model.failureRate = v }
                if let v = s.string("apiKeyEnv") {
                    if Configuration.isVariableName(v) {
                        model.apiKeyEnv = v
                    } else {
                        // Never echo the value: it may be a pasted credential.
                        s.report(
                            ValidationIssue(
                                modelsPath.key(name).key("apiKeyEnv"),
                                "expected the NAME of an environment variable (letters, digits, '_'), not a value; keep credentials out of droprun.json"
                            ))
                    }
                }
                if let v = s.string("endpoint") { model.endpoint = v }
                if let v = s.choice("api", LLMAPI.allCases.map(\.rawValue)) { model.api = LLMAPI(rawValue: v) }
                if let v = s.string("model") { model.remoteModel = v }
                let at = modelsPath.key(name)
                if model.endpoint != nil, s.members["api"] == nil {
                    s.report(
                        ValidationIssue(at.key("api"), "required with 'endpoint': one of \(LLMAPI.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
                if model.endpoint == nil, model.api != nil {
                    s.report(ValidationIssue(at.key("endpoint"), "required with 'api': the alias of an endpoint under providers.http.endpoints"))
                }
                if model.endpoint != nil, LLMProvider.builtInModels.contains(name) {
                    s.report(ValidationIssue(at.key("endpoint"), "'\(name)' is a built-in stub; give the real model a name of its own"))
                }
                s.finish()
                m.report(s.issues)
                models[name] = model
            }
            l.report(m.issues)
        }
        l.finish()
        reader.report(l.issues)
    }

    /// Checks what one part of the configuration cannot alone: a model's `endpoint` names an http endpoint there is.
    static func crossCheck(_ configuration: Configuration) -> [ValidationIssue] {
        let endpoints = configuration.httpEndpoints.keys.sorted()
        return configuration.llmModels.sorted(by: { $0.key < $1.key }).compactMap { name, model in
            guard let alias = model.endpoint, !endpoints.contains(alias) else { return nil }
            let path = JSONPath.root.key("providers").key("llm").key("models").key(name).key("endpoint")
            return ValidationIssue(path, HTTPEndpointSettings.notAnEndpoint(alias, among: endpoints))
        }
    }
}
