import Foundation

extension HTTPEndpointSettings {
    /// Reads `providers.http` (its `endpoints`) into `endpoints`, reporting problems to `reader`.
    static func read(
        _ json: JSONValue, at path: JSONPath, into endpoints: inout [String: HTTPEndpointSettings], reporting reader: inout JSONObjectReader
    ) {
        var h = JSONObjectReader(json, at: path)
        if let endpointsValue = h.value("endpoints") {
            let endpointsPath = path.key("endpoints")
            var e = JSONObjectReader(endpointsValue, at: endpointsPath)
            for (alias, settings) in e.members.sorted(by: { $0.key < $1.key }) {
                _ = e.value(alias)
                let aliasPath = endpointsPath.key(alias)
                if !isAlias(alias) {
                    e.report(ValidationIssue(aliasPath, "expected an alias of letters, digits, '-' and '_', found '\(alias)'"))
                    continue
                }
                var s = JSONObjectReader(settings, at: aliasPath)
                if let endpoint = read(&s, at: aliasPath) { endpoints[alias] = endpoint }
                s.finish()
                e.report(s.issues)
            }
            h.report(e.issues)
        }
        h.finish()
        reader.report(h.issues)
    }

    /// One endpoint's members; nil when its `baseURL` is missing or wrong.
    private static func read(_ s: inout JSONObjectReader, at path: JSONPath) -> HTTPEndpointSettings? {
        let base = s.string("baseURL", required: true).flatMap { text -> String? in
            switch checkBaseURL(text) {
            case .success(let normalized): return normalized
            case .failure(let problem):
                s.report(ValidationIssue(path.key("baseURL"), problem.message))
                return nil
            }
        }
        var endpoint = HTTPEndpointSettings(baseURL: base ?? "")
        if let methods = s.stringArray("methods") {
            let upper = methods.map { $0.uppercased() }
            if let unknown = upper.first(where: { !knownMethods.contains($0) }) {
                s.report(ValidationIssue(path.key("methods"), "expected methods among \(knownMethods.joined(separator: ", ")), found '\(unknown)'"))
            } else if upper.isEmpty {
                s.report(ValidationIssue(path.key("methods"), "expected at least one method, found an empty array"))
            } else {
                endpoint.methods = upper
            }
        }
        if let headers = s.value("headers") {
            var r = JSONObjectReader(headers, at: path.key("headers"))
            for (name, value) in r.members.sorted(by: { $0.key < $1.key }) {
                _ = r.value(name)
                let headerPath = path.key("headers").key(name)
                guard isHeaderName(name) else {
                    r.report(ValidationIssue(headerPath, "expected a header name (letters, digits, '-'), found '\(name)'"))
                    continue
                }
                guard case .object = value else {
                    // Never echo the value: it may be a pasted credential.
                    r.report(
                        ValidationIssue(
                            headerPath,
                            "expected {\"env\": \"VARIABLE\", \"prefix\": \"...\"} (the value comes from the environment), found a \(value.typeName); "
                                + "keep credentials out of droprun.json"))
                    continue
                }
                var v = JSONObjectReader(value, at: headerPath)
                let env = v.string("env", required: true)
                let prefix = v.string("prefix") ?? ""
                if let env, !Configuration.isVariableName(env) {
                    v.report(
                        ValidationIssue(
                            headerPath.key("env"),
                            "expected the NAME of an environment variable (letters, digits, '_'), not a value; keep credentials out of droprun.json"))
                } else if let env {
                    endpoint.headers[name] = SecretHeader(env: env, prefix: prefix)
                }
                v.finish()
                r.report(v.issues)
            }
            r.finish()
            s.report(r.issues)
        }
        if let allowed = s.stringArray("allowedHeaders") {
            if let bad = allowed.first(where: { !isHeaderName($0) }) {
                s.report(ValidationIssue(path.key("allowedHeaders"), "expected header names (letters, digits, '-'), found '\(bad)'"))
            } else if let secret = allowed.first(where: { name in endpoint.headers.keys.contains { $0.lowercased() == name.lowercased() } }) {
                s.report(
                    ValidationIssue(
                        path.key("allowedHeaders"), "'\(secret)' is one of the endpoint's own headers (headers); a request may not set it"))
            } else {
                endpoint.allowedHeaders = allowed.map { $0.lowercased() }
            }
        }
        if let names = s.stringArray("responseHeaders") {
            if let bad = names.first(where: { !isHeaderName($0) }) {
                s.report(ValidationIssue(path.key("responseHeaders"), "expected header names (letters, digits, '-'), found '\(bad)'"))
            } else {
                endpoint.responseHeaders = names.map { $0.lowercased() }
            }
        }
        if let v = s.int("timeoutMs", in: 1...3_600_000) { endpoint.timeoutMs = v }
        if let v = s.int("maxResponseBytes", in: 1...(1 << 30)) { endpoint.maxResponseBytes = v }
        if let v = s.value("retryableStatuses") {
            if let codes = v.arrayValue?.compactMap(\.intValue), codes.count == v.arrayValue?.count, codes.allSatisfy({ (100...599).contains($0) }) {
                endpoint.retryableStatuses = codes
            } else {
                s.report(ValidationIssue(path.key("retryableStatuses"), "expected an array of HTTP statuses (100 to 599), found \(v.preview)"))
            }
        }
        return base == nil ? nil : endpoint
    }

    struct BaseURLProblem: Error {
        var message: String
    }

    /// `text` as a base URL: `http` or `https`, a host, no user or password, no query or fragment; its path without a
    /// trailing `/`.
    static func checkBaseURL(_ text: String) -> Result<String, BaseURLProblem> {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            return .failure(BaseURLProblem(message: "expected an absolute http or https URL such as 'https://api.example.com/v1', found '\(text)'"))
        }
        guard scheme == "http" || scheme == "https" else {
            return .failure(BaseURLProblem(message: "expected an http or https URL, found the scheme '\(scheme)'"))
        }
        guard components.user == nil, components.password == nil else {
            // Never echo it: the URL holds a credential.
            return .failure(
                BaseURLProblem(message: "the URL holds a user or password; name a header from the environment instead (headers.<name>.env)"))
        }
        guard components.query == nil, components.fragment == nil else {
            return .failure(BaseURLProblem(message: "expected no query or fragment in a base URL, found '\(text)'; requests give their own query"))
        }
        var normalized = text
        while normalized.hasSuffix("/") { normalized.removeLast() }
        return .success(normalized)
    }

    /// An alias requests can name: letters, digits, `-` and `_`.
    static func isAlias(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { RunID.isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// An HTTP header name droprun accepts: letters, digits and `-`.
    static func isHeaderName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { RunID.isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// What is said of an endpoint alias (a model's `endpoint`, a notification's) that `providers.http.endpoints` does not name.
    static func notAnEndpoint(_ alias: String, among names: [String]) -> String {
        var message = "'\(alias)' is not an endpoint under providers.http.endpoints"
        message += names.isEmpty ? " (there are none)" : "; there are: \(names.joined(separator: ", "))"
        if let near = Suggestion.nearest(to: alias, among: names) { message += "; did you mean '\(near)'?" }
        return message
    }
}
