extension NotificationSettings {
    /// Reads a `notifications` (or a workflow's `notify`) object; nil when it has problems (reported to `reader`).
    ///
    /// `endpoints` are the configuration's http endpoints: the one named must be among them and allow `POST`.
    static func read(
        _ json: JSONValue, at path: JSONPath, endpoints: [String: HTTPEndpointSettings], reporting reader: inout JSONObjectReader
    ) -> NotificationSettings? {
        var n = JSONObjectReader(json, at: path)
        let endpoint = n.string("endpoint", required: true)
        var settings = NotificationSettings(endpoint: endpoint ?? "")
        if let endpoint {
            if let problem = endpointProblem(endpoint, endpoints: endpoints) { n.report(ValidationIssue(path.key("endpoint"), problem)) }
        }
        if let p = n.string("path") {
            if let problem = EndpointClient.pathProblem(p) { n.report(ValidationIssue(path.key("path"), problem)) }
            settings.path = p
        }
        if let on = n.value("on") {
            let words = NotificationKind.allCases.map(\.rawValue)
            if let elements = on.arrayValue, !elements.isEmpty {
                var kinds: [NotificationKind] = []
                for (i, element) in elements.enumerated() {
                    if let kind = element.stringValue.flatMap(NotificationKind.init(rawValue:)) {
                        if !kinds.contains(kind) { kinds.append(kind) }
                    } else {
                        n.report(
                            ValidationIssue(path.key("on").index(i), "expected one of \(words.joined(separator: ", ")), found \(element.preview)"))
                    }
                }
                settings.on = kinds
            } else {
                n.report(
                    ValidationIssue(
                        path.key("on"), "expected a non-empty array of \(words.joined(separator: ", ")), found \(on.typeName) \(on.preview)"))
            }
        }
        if let v = n.int("maxAttempts", in: 1...20) { settings.maxAttempts = v }
        if let v = n.int("backoffMs", in: 0...Self.maxBackoffMs) { settings.backoffMs = v }
        n.finish()
        reader.report(n.issues)
        guard n.issues.isEmpty, endpoint != nil else { return nil }
        return settings
    }

    /// Why `alias` cannot carry notifications: no such endpoint, or one that does not allow `POST`; nil when it can.
    static func endpointProblem(_ alias: String, endpoints: [String: HTTPEndpointSettings]) -> String? {
        guard let settings = endpoints[alias] else { return HTTPEndpointSettings.notAnEndpoint(alias, among: endpoints.keys.sorted()) }
        guard settings.methods.contains("POST") else {
            return "endpoint '\(alias)' allows \(settings.methods.joined(separator: ", ")); a notification is a POST: add it to its methods"
        }
        return nil
    }
}
