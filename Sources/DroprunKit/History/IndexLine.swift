/// The one writer of index lines (`IndexEntry.line`, for the finish path and rebuilds): canonical compact JSON written
/// directly, without building a JSON tree.
///
/// `JSONWriter.compactBytes(entry.json)` builds a `JSONValue` and sorts its
/// members (about 7 µs a line here); this writes the members in their
/// canonical order (sorted by their keys' bytes: `audit`, `createdAt`,
/// `durationMs`, `error`, `finishedAt`, `labels`, `runId`, `sha256`,
/// `status`, `steps`, `workflow`) in about a seventh of that.
/// `IndexLineTests` checks that both give the same bytes.
enum IndexLine {
    static func bytes(_ entry: IndexEntry) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(320)
        out.append(contentsOf: #"{"audit":["#.utf8)
        for (i, name) in entry.audit.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(name, to: &out)
        }
        out.append(contentsOf: #"],"createdAt":"#.utf8)
        JSONWriter.appendString(Timestamp.format(entry.createdAt), to: &out)
        out.append(contentsOf: #","durationMs":"#.utf8)
        out.append(contentsOf: (entry.durationMs.map(String.init) ?? "null").utf8)
        out.append(contentsOf: #","error":"#.utf8)
        if let code = entry.errorCode {
            out.append(contentsOf: #"{"code":"#.utf8)
            JSONWriter.appendString(code, to: &out)
            out.append(contentsOf: #","step":"#.utf8)
            appendOptional(entry.errorStep, to: &out)
            out.append(UInt8(ascii: "}"))
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(contentsOf: #","finishedAt":"#.utf8)
        JSONWriter.appendString(Timestamp.format(entry.finishedAt), to: &out)
        out.append(contentsOf: #","labels":{"#.utf8)
        let keys = entry.labels.count > 1 ? entry.labels.keys.sorted(by: JSONWriter.utf8Precedes) : Array(entry.labels.keys)
        for (i, key) in keys.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.appendString(entry.labels[key] ?? "", to: &out)
        }
        out.append(contentsOf: #"},"runId":"#.utf8)
        JSONWriter.appendString(entry.runId, to: &out)
        out.append(contentsOf: #","sha256":"#.utf8)
        JSONWriter.appendString(entry.requestSHA256, to: &out)
        out.append(contentsOf: #","status":"#.utf8)
        JSONWriter.appendString(entry.status.rawValue, to: &out)
        if let steps = entry.steps {
            out.append(contentsOf: #","steps":["#.utf8)
            for (i, step) in steps.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                step.append(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #","workflow":{"name":"#.utf8)
        JSONWriter.appendString(entry.workflowName, to: &out)
        out.append(contentsOf: #","version":"#.utf8)
        appendOptional(entry.workflowVersion, to: &out)
        out.append(contentsOf: "}}\n".utf8)
        return out
    }

    private static func appendOptional(_ s: String?, to out: inout [UInt8]) {
        if let s { JSONWriter.appendString(s, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }
}
