/// Replaces references in a step's `with` by values from the run so far.
public struct ReferenceResolver: Sendable {
    /// What references can reach: `{"input": ..., "steps": {ID: {"output": ...}}, "run": {"id": ...}}`, and `item`, `index`, `run.error` where they apply.
    public let scope: JSONValue

    ///
    /// A `forEach` step's item adds `item` and `index`; an `onFailure` step sees the run's failure as `run.error`
    /// (`code`, `message`, `step`).
    public init(
        runId: String, input: JSONValue, stepOutputs: [String: JSONValue], item: JSONValue? = nil, index: Int? = nil, error: JSONValue? = nil
    ) {
        var steps: [String: JSONValue] = [:]
        for (id, output) in stepOutputs { steps[id] = .object(["output": output]) }
        var run: [String: JSONValue] = ["id": .string(runId)]
        if let error { run["error"] = error }
        var top: [String: JSONValue] = ["input": input, "steps": .object(steps), "run": .object(run)]
        if let item { top["item"] = item }
        if let index { top["index"] = .int(index) }
        scope = .object(top)
    }

    /// Resolves every string of `with`, recursively.
    public func resolve(_ with: [String: JSONValue], at path: JSONPath) throws(MissingReference) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in with { result[key] = try resolve(value, at: path.key(key)) }
        return result
    }

    func resolve(_ value: JSONValue, at path: JSONPath) throws(MissingReference) -> JSONValue {
        switch value {
        case .string(let s):
            guard let segments = Reference.segments(of: s) else { return value }
            if segments.count == 1, case .reference(let r) = segments[0] { return try lookup(r, at: path) }
            var text = ""
            for segment in segments {
                switch segment {
                case .text(let t): text += t
                case .reference(let r):
                    let found = try lookup(r, at: path)
                    if case .string(let str) = found { text += str } else { text += JSONWriter.compact(found) }
                }
            }
            return .string(text)
        case .array(let elements):
            var out: [JSONValue] = []
            out.reserveCapacity(elements.count)
            for (i, e) in elements.enumerated() { out.append(try resolve(e, at: path.index(i))) }
            return .array(out)
        case .object(let members):
            var out = JSONObject()
            for (k, v) in members { out[k] = try resolve(v, at: path.key(k)) }
            return .object(out)
        default:
            return value
        }
    }

    /// The value a reference names.
    public func lookup(_ reference: Reference, at path: JSONPath) throws(MissingReference) -> JSONValue {
        var current = scope
        var walked: [String] = []
        for part in reference.parts {
            walked.append(part)
            switch current {
            case .object(let o):
                guard let next = o[part] else {
                    throw MissingReference(reference: reference.description, missing: walked.joined(separator: "."), path: path)
                }
                current = next
            case .array(let a):
                guard let i = Int(part), a.indices.contains(i) else {
                    throw MissingReference(reference: reference.description, missing: walked.joined(separator: "."), path: path)
                }
                current = a[i]
            default:
                throw MissingReference(reference: reference.description, missing: walked.joined(separator: "."), path: path)
            }
        }
        return current
    }
}
