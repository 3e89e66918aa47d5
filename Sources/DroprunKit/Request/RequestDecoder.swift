/// Turns the bytes of a dropped file into a request or a control message, or a rejection.
///
/// Every check that needs only the file and the configuration happens here, so
/// a bad request is refused before anything of it runs: structure and types,
/// run id, unknown providers and models (with the nearest name), provider
/// parameters, references to steps that do not come earlier, unsafe artifact names.
public struct RequestDecoder: Sendable {
    /// The root's configuration.
    public var configuration: Configuration
    /// The providers steps may name.
    public var registry: ProviderRegistry
    /// Loads a named workflow's JSON (`workflows/<name>.json`); nil when there is none.
    public var loadWorkflow: @Sendable (String) -> JSONValue?
    /// Told the workflow definition a valid request resolved to (its JSON, and the file a named one came from).
    ///
    /// Admission keeps that very definition with the run: a named workflow's
    /// file is read once, and what was read is what the run runs, whatever
    /// happens to the file later.
    public var onDefinition: (@Sendable (_ definition: JSONValue, _ file: String?) -> Void)?
    /// The names of the named workflows there are (files of the `workflows` folder without `.json`), for "did you mean".
    ///
    /// Asked only when a request names a workflow that does not exist.
    public var workflowNames: @Sendable () -> [String] = { [] }

    public init(configuration: Configuration, registry: ProviderRegistry, loadWorkflow: @escaping @Sendable (String) -> JSONValue? = { _ in nil }) {
        self.configuration = configuration
        self.registry = registry
        self.loadWorkflow = loadWorkflow
    }

    /// Decodes a dropped file's bytes.
    public func decode(_ bytes: [UInt8], fileName: String) -> Result<Drop, Rejection> {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            return .failure(Rejection(.invalidJSON, "not valid JSON: \(error)"))
        }
        return decode(json, fileName: fileName)
    }

    /// Decodes a parsed document.
    public func decode(_ json: JSONValue, fileName: String) -> Result<Drop, Rejection> {
        guard case .object(let top) = json else {
            return .failure(Rejection(.invalidRequest, "expected an object, found \(json.typeName)", path: .root))
        }
        if let kind = top["kind"] {
            switch kind {
            case .string("approval"), .string("cancel"): return decodeControl(json)
            case .string("run"): break
            default:
                return .failure(
                    Rejection(
                        .invalidRequest, "expected 'approval' or 'cancel' (or no 'kind' for a run request), found \(kind.preview)",
                        path: JSONPath.root.key("kind")))
            }
        }
        var r = JSONObjectReader(json, at: .root)
        _ = r.value("kind")
        let explicitID = r.string("id")
        let runId = explicitID ?? RunID.fromFileName(fileName)
        if r.issues.isEmpty, let problem = RunID.problem(runId) {
            if explicitID != nil {
                return .failure(Rejection(.invalidID, problem, path: JSONPath.root.key("id")))
            }
            return .failure(
                Rejection(
                    .invalidID,
                    "the file name '\(fileName)' does not give a valid run id (\(problem)); add an \"id\" to the request or rename the file"))
        }
        let workflow = decodeWorkflow(r.value("workflow", required: true), reader: &r)
        let input = r.value("input") ?? .object([:])
        var labels: [String: String] = [:]
        if let l = r.value("labels") {
            var lr = JSONObjectReader(l, at: JSONPath.root.key("labels"))
            if let (a, b) = lr.members.canonicallyEquivalentKeys {
                lr.report(ValidationIssue(JSONPath.root.key("labels"), Self.equivalentKeysMessage(a, b)))
            }
            for key in lr.members.keys.sorted() {
                if let s = lr.string(key) { labels[key] = s }
            }
            r.report(lr.issues)
        }
        let timeout = r.number("timeoutSeconds", in: 0.001...2_592_000)
        r.finish()
        guard r.issues.isEmpty, let workflow else {
            return .failure(Rejection(.invalidRequest, r.issues))
        }
        return .success(.run(RunRequest(id: explicitID, workflow: workflow, input: input, labels: labels, timeoutSeconds: timeout), runId: runId))
    }

    private func decodeWorkflow(_ value: JSONValue?, reader r: inout JSONObjectReader) -> Workflow? {
        guard let value else { return nil }
        let path = JSONPath.root.key("workflow")
        if case .string(let name) = value {
            guard RunID.isValid(name) else {
                r.report(ValidationIssue(path, "a workflow name has only letters, digits, '.', '_' and '-', found '\(name)'"))
                return nil
            }
            guard let loaded = loadWorkflow(name) else {
                var message =
                    "no workflow named '\(name)': expected the file \(configuration.workflowsFolder)/\(name).json, or an inline workflow object"
                let known = workflowNames().sorted()
                // A name is given without `.json` ("w.json" means the file workflows/w.json.json).
                let stem = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
                if stem != name, known.contains(stem) {
                    message += "; did you mean '\(stem)'? (a workflow is named without .json)"
                } else if let near = Suggestion.nearest(to: stem, among: known) {
                    message += "; did you mean '\(near)'?"
                }
                if !known.isEmpty { message += "; known: \(known.prefix(20).joined(separator: ", "))\(known.count > 20 ? ", ..." : "")" }
                r.report(ValidationIssue(path, message))
                return nil
            }
            var issues: [ValidationIssue] = []
            let file = "\(configuration.workflowsFolder)/\(name).json"
            let workflow = decodeWorkflowObject(loaded, path: path, issues: &issues, source: file)
            r.report(issues)
            if workflow != nil { onDefinition?(loaded, file) }
            return workflow
        }
        var issues: [ValidationIssue] = []
        let workflow = decodeWorkflowObject(value, path: path, issues: &issues, source: nil)
        r.report(issues)
        if workflow != nil { onDefinition?(value, nil) }
        return workflow
    }

    private func decodeWorkflowObject(_ value: JSONValue, path: JSONPath, issues: inout [ValidationIssue], source: String?) -> Workflow? {
        var w = JSONObjectReader(value, at: path, what: "an object or the name of a workflow")
        let name = w.string("name", required: true)
        var version: String?
        switch w.value("version") {
        case .string(let text): version = text
        case .number(let n): version = JSONWriter.compact(.number(n))
        case nil, .null?: version = nil
        case let other?: w.report(ValidationIssue(path.key("version"), "expected a string or a number, found \(other.typeName) \(other.preview)"))
        }
        var steps: [StepDefinition] = []
        // Read before the steps (which are checked against it), reported with them.
        var onFailure: [String] = []
        _ = w.value("onFailure")
        let maxParallelSteps = w.int("maxParallelSteps", in: 1...256)
        if let stepsValue = w.value("steps", required: true) {
            if case .array(let elements) = stepsValue {
                if elements.isEmpty { w.report(ValidationIssue(path.key("steps"), "a workflow needs at least one step, found none")) }
                var seen: [String] = []
                var nodes: [GraphNode] = []
                for (i, element) in elements.enumerated() {
                    let rawID = element["id"]?.stringValue
                    if let rawID, seen.contains(rawID) {
                        w.report(ValidationIssue(path.key("steps").index(i).key("id"), "step id '\(rawID)' is used twice; step ids must be unique"))
                    }
                    let (step, node) = decodeStep(element, path: path.key("steps").index(i), reader: &w)
                    if let step { steps.append(step) }
                    nodes.append(node)
                    if let rawID { seen.append(rawID) }
                }
                // What depends on the other steps is checked on what each step says, read or not (a step with a bad
                // value still has its references checked).
                if !elements.isEmpty { w.report(checkGraph(nodes, onFailure: &onFailure, workflow: value, at: path)) }
            } else {
                w.report(ValidationIssue(path.key("steps"), "expected an array of steps, found \(stepsValue.typeName)"))
            }
        }
        var notify: NotificationSettings?
        if let value = w.value("notify") {
            notify = NotificationSettings.read(value, at: path.key("notify"), endpoints: configuration.httpEndpoints, reporting: &w)
        }
        w.finish()
        if let source {
            issues.append(contentsOf: w.issues.map { ValidationIssue($0.path, $0.message + " (in \(source))") })
        } else {
            issues.append(contentsOf: w.issues)
        }
        guard w.issues.isEmpty, let name else { return nil }
        return Workflow(name: name, version: version, steps: steps, onFailure: onFailure, maxParallelSteps: maxParallelSteps, notify: notify)
    }

    /// Reads one step; nil (its problems reported to `w`) when it has any. The node is what the graph checks need of
    /// it either way.
    private func decodeStep(_ value: JSONValue, path: JSONPath, reader w: inout JSONObjectReader) -> (StepDefinition?, GraphNode) {
        var s = JSONObjectReader(value, at: path)
        let id = s.string("id", required: true)
        if let id, !Self.isValidStepID(id) {
            s.report(ValidationIssue(path.key("id"), "a step id has 1 to 64 letters, digits, '_' or '-', found '\(id)'"))
        }
        let providerName = s.string("provider", required: true)
        var provider: (any Provider)?
        if let providerName {
            provider = registry.provider(named: providerName)
            if provider == nil {
                var message = "unknown provider '\(providerName)'"
                if let near = Suggestion.nearest(to: providerName, among: registry.names) { message += "; did you mean '\(near)'?" }
                message += " Known: \(registry.names.joined(separator: ", "))"
                s.report(ValidationIssue(path.key("provider"), message))
            }
        }
        var with: [String: JSONValue] = [:]
        var node = GraphNode(id: value["id"]?.stringValue ?? "")
        if let withValue = s.value("with") {
            var wr = JSONObjectReader(withValue, at: path.key("with"))
            wr.referencesAllowed = true
            with = wr.members.dictionary
            if let (a, b) = wr.members.canonicallyEquivalentKeys {
                wr.report(ValidationIssue(path.key("with"), Self.equivalentKeysMessage(a, b)))
            }
            if wr.issues.isEmpty {
                // An object without equivalent keys: its references can be checked.
                node.with = withValue
                provider?.validate(&wr, context: ValidationContext(configuration: configuration))
                if provider != nil { wr.finish() }
            }
            s.report(wr.issues)
        } else if let provider {
            var wr = JSONObjectReader(.object([:]), at: path.key("with"))
            provider.validate(&wr, context: ValidationContext(configuration: configuration))
            s.report(wr.issues)
        }
        var retry = RetryPolicy()
        if let retryValue = s.value("retry") {
            var rr = JSONObjectReader(retryValue, at: path.key("retry"))
            if let v = rr.int("maxAttempts", in: 1...100) { retry.maxAttempts = v }
            if let v = rr.int("backoffMs", in: 0...3_600_000) { retry.backoffMs = v }
            if let v = rr.number("multiplier", in: 1...100) { retry.multiplier = v }
            if let v = rr.int("maxBackoffMs", in: 0...86_400_000) { retry.maxBackoffMs = v }
            rr.finish()
            s.report(rr.issues)
        }
        let timeoutMs = s.int("timeoutMs", in: 1...86_400_000)
        if let value = s.value("needs") {
            node.needs = value.stringsValue
            if node.needs == nil {
                s.report(ValidationIssue(path.key("needs"), "expected an array of step ids, found \(value.typeName) \(value.preview)"))
            }
        }
        if let value = s.value("when") {
            var issues: [ValidationIssue] = []
            node.when = StepCondition.read(value, at: path.key("when"), issues: &issues)
            s.report(issues)
        }
        if let value = s.value("forEach") {
            var issues: [ValidationIssue] = []
            node.forEach = ForEachSpec.read(value, at: path.key("forEach"), issues: &issues)
            if provider is ApprovalProvider {
                issues.append(ValidationIssue(path.key("forEach"), "an approval step cannot run over items (a run waits for one approval at a time)"))
            }
            s.report(issues)
        }
        s.finish()
        w.report(s.issues)
        guard s.issues.isEmpty, let id, let providerName else { return (nil, node) }
        let step = StepDefinition(
            id: id, provider: providerName, with: with, retry: retry, timeoutMs: timeoutMs, needs: node.needs, when: node.when,
            forEach: node.forEach)
        return (step, node)
    }

    /// Checks that every reference starts at `input`, `run.id` (`run.error` in an `onFailure` step) or the `output`
    /// of a step upstream of this one (`earlier`: the steps it needs, directly or through others).
    ///
    /// `forEach`: the step runs over items, so its `with` may also name `{{item}}` (and what is in it) and `{{index}}`.
    func checkReferences(
        in value: JSONValue, at path: JSONPath, earlier: [String], onFailure: Bool = false, graph: Bool = false, forEach: Bool = false
    ) -> [ValidationIssue] {
        switch value {
        case .string(let s):
            guard let segments = Reference.segments(of: s) else { return [] }
            var issues: [ValidationIssue] = []
            for case .reference(let r) in segments {
                switch r.parts[0] {
                case "input": continue
                case "run":
                    if onFailure, r.parts.count >= 2, r.parts[1] == "error" {
                        if r.parts.count > 3 || r.parts.count == 3 && !["code", "message", "step"].contains(r.parts[2]) {
                            issues.append(ValidationIssue(path, "\(r) is not available; 'run.error' has 'code', 'message' and 'step'"))
                        }
                    } else if r.parts.count != 2 || r.parts[1] != "id" {
                        let error = onFailure ? " and 'error' ({{run.error.message}})" : " ({{run.id}}; an onFailure step also sees {{run.error}})"
                        issues.append(ValidationIssue(path, "\(r) is not available; 'run' has only 'id'\(error)"))
                    }
                case "steps":
                    guard r.parts.count >= 3 else {
                        issues.append(ValidationIssue(path, "\(r) must name a step and its output: {{steps.ID.output}}"))
                        continue
                    }
                    let step = r.parts[1]
                    if !earlier.contains(step) {
                        var message = "\(r) names step '\(step)', which does not run before this one"
                        if graph { message += " (it is not among the steps this one needs, directly or through others)" }
                        if let near = Suggestion.nearest(to: step, among: earlier) { message += "; did you mean '\(near)'?" }
                        issues.append(ValidationIssue(path, message))
                    } else if r.parts[2] != "output" {
                        issues.append(ValidationIssue(path, "\(r): a step's value is reached through 'output' ({{steps.\(step).output...}})"))
                    }
                case "item" where forEach:
                    continue
                case "index" where forEach:
                    if r.parts.count > 1 { issues.append(ValidationIssue(path, "\(r): 'index' is a number (the item's place, from 0)")) }
                case "item", "index":
                    issues.append(ValidationIssue(path, "\(r) is available only in the 'with' of a step that has forEach"))
                default:
                    let more = forEach ? ", 'run', 'item' or 'index'" : " or 'run'"
                    issues.append(ValidationIssue(path, "\(r) starts with '\(r.parts[0])'; references start with 'input', 'steps'\(more)"))
                }
            }
            return issues
        case .array(let elements):
            return elements.enumerated().flatMap {
                checkReferences(in: $0.element, at: path.index($0.offset), earlier: earlier, onFailure: onFailure, graph: graph, forEach: forEach)
            }
        case .object(let members):
            return members.sorted { $0.key < $1.key }.flatMap {
                checkReferences(in: $0.value, at: path.key($0.key), earlier: earlier, onFailure: onFailure, graph: graph, forEach: forEach)
            }
        default:
            return []
        }
    }

    static func isValidStepID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        return (1...64).contains(bytes.count) && bytes.allSatisfy { RunID.isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private func decodeControl(_ json: JSONValue) -> Result<Drop, Rejection> {
        var r = JSONObjectReader(json, at: .root)
        let kind = r.string("kind")
        let runId = r.string("runId", required: true)
        let action: ControlMessage.Action
        if kind == "approval" {
            let decision = r.choice("decision", ControlVerb.decisions.map(\.rawValue), required: true)
            let by = r.string("by")
            let note = r.string("note")
            action = .approval(approve: decision == ControlVerb.approve.rawValue, by: by, note: note)
        } else {
            action = .cancel(by: r.string("by"))
        }
        r.finish()
        if let runId, r.issues.isEmpty, let problem = RunID.problem(runId) {
            return .failure(Rejection(.invalidID, problem, path: JSONPath.root.key("runId")))
        }
        guard r.issues.isEmpty, let runId else { return .failure(Rejection(.invalidRequest, r.issues)) }
        return .success(.control(ControlMessage(runId: runId, action: action)))
    }
}

extension RequestDecoder {
    /// Why two keys that JSON keeps apart cannot both be a step's parameters or labels.
    static func equivalentKeysMessage(_ a: String, _ b: String) -> String {
        func bytes(_ s: String) -> String { s.utf8.map { String($0, radix: 16, uppercase: true) }.joined(separator: " ") }
        return "keys '\(a)' (bytes \(bytes(a))) and '\(b)' (bytes \(bytes(b))) are the same text in two Unicode forms (NFC and NFD);"
            + " here they name one thing, so use one form (nested values keep both)"
    }
}
