extension RunRecord {
    /// The record in the canonical pretty form, as `JSONWriter.prettyBytes(json)` writes it, written directly.
    ///
    /// Records are written after every step; building the `JSONValue` tree and
    /// sorting each object's keys was a tenth of a run's CPU. Members are
    /// written here in their canonical order instead (debug builds check the
    /// bytes against the general writer).
    public var prettyBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024 + steps.count * 320)
        var o = JSONWriter.PrettyObject(level: 0, into: &out)
        if let approval { o.member("approval", approval.json, into: &out) }
        o.member("artifacts", .array(artifacts.map(\.json)), into: &out)
        o.member("createdAt", string: Timestamp.format(createdAt), into: &out)
        o.member("durationMs", int: durationMs, into: &out)
        o.member("error", error.map { $0.json(step: errorStep) } ?? .null, into: &out)
        o.member("finishedAt", string: finishedAt.map(Timestamp.format), into: &out)
        o.member("labels", .object(labels.mapValues(JSONValue.string)), into: &out)
        o.member("output", output ?? .null, into: &out)
        o.key("request", into: &out)
        var request = JSONWriter.PrettyObject(level: 1, into: &out)
        request.member("file", string: requestFile, into: &out)
        request.member("receivedAt", string: Timestamp.format(receivedAt), into: &out)
        request.member("sha256", string: requestSHA256, into: &out)
        request.member("size", int: requestSize, into: &out)
        request.end(into: &out)
        if let retryOf { o.member("retryOf", string: retryOf, into: &out) }
        o.member("runId", string: runId, into: &out)
        o.member("runner", string: runner, into: &out)
        o.member("runnerId", string: runnerId, into: &out)
        o.member("startedAt", string: startedAt.map(Timestamp.format), into: &out)
        o.member("status", string: status.rawValue, into: &out)
        o.key("steps", into: &out)
        if steps.isEmpty {
            out.append(contentsOf: "[]".utf8)
        } else {
            out.append(UInt8(ascii: "["))
            for (i, step) in steps.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.newline(&out, 2)
                step.appendPretty(level: 2, to: &out)
            }
            JSONWriter.newline(&out, 1)
            out.append(UInt8(ascii: "]"))
        }
        if waitedMs > 0 { o.member("waitedForApprovalMs", int: waitedMs, into: &out) }
        o.key("workflow", into: &out)
        var workflow = JSONWriter.PrettyObject(level: 1, into: &out)
        if let workflowFile { workflow.member("file", string: workflowFile, into: &out) }
        if workflowLatest { workflow.member("latest", true, into: &out) }
        workflow.member("name", string: workflowName, into: &out)
        if let workflowSHA256 { workflow.member("sha256", string: workflowSHA256, into: &out) }
        workflow.member("version", string: workflowVersion, into: &out)
        workflow.end(into: &out)
        o.end(into: &out)
        out.append(0x0A)
        assert(out == JSONWriter.prettyBytes(json), "the direct record writer differs from the canonical form")
        return out
    }
}

extension StepRecord {
    /// Appends the step in the canonical pretty form, as nested `level` deep.
    func appendPretty(level: Int, to out: inout [UInt8]) {
        var o = JSONWriter.PrettyObject(level: level, into: &out)
        o.member("attempts", int: attempts, into: &out)
        if let beside { o.member("beside", .array(beside.map(JSONValue.string)), into: &out) }
        o.member("durationMs", int: startedAt.flatMap { s in finishedAt.map { $0.milliseconds(since: s) } }, into: &out)
        if let error { o.member("error", error.json(step: nil), into: &out) }
        o.member("finishedAt", string: finishedAt.map(Timestamp.format), into: &out)
        o.member("id", string: id, into: &out)
        if let items { o.member("items", .array(items.map(\.json)), into: &out) }
        if let output { o.member("output", output, into: &out) }
        if let process { o.member("process", process.json, into: &out) }
        o.member("provider", string: provider, into: &out)
        if let skipDetail { o.member("skipDetail", string: skipDetail, into: &out) }
        if let skipReason { o.member("skipReason", string: skipReason.rawValue, into: &out) }
        o.member("startedAt", string: startedAt.map(Timestamp.format), into: &out)
        o.member("status", string: status.rawValue, into: &out)
        if let stderr { o.member("stderr", string: stderr, into: &out) }
        o.end(into: &out)
    }
}
