/// `droprun audit [RUN_ID]` and `droprun audit verify`.
enum AuditCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let text = context.parsed.argument("run_id")
        let target = try text.map(RunLookup.Target.init)
        let layout = context.layout
        // A drop that never became a run has no events of its own: its `request.rejected` event names the file it was filed as.
        var rejectedNames = Set(target.map { $0.fileNames.flatMap { RejectedDrop.filed(under: $0, layout: layout, fs: context.fs) } } ?? [])
        var events: [(at: String, order: Int, json: JSONValue, line: [UInt8])] = []
        var rejections: [(at: String, order: Int, json: JSONValue, line: [UInt8])] = []
        var order = 0
        for name in try AuditVerifier.auditFiles(layout: layout, fileSystem: context.fs) {
            guard let bytes = try? context.fs.readFile(Path.join(layout.audit, name), maxBytes: 1 << 34) else { continue }
            for line in bytes.split(separator: 0x0A) {
                order += 1
                guard let json = try? JSONParser.parse(Array(line)) else { continue }
                let event = (json["at"]?.stringValue ?? "", order, json, Array(line))
                if let target {
                    if let runId = json["runId"]?.stringValue {
                        if target.runIds.contains(runId) { events.append(event) }
                    } else if json["event"]?.stringValue == AuditEventName.requestRejected.rawValue {
                        rejections.append(event)
                    }
                    continue
                }
                events.append(event)
            }
        }
        if let target, events.isEmpty, rejectedNames.isEmpty {
            // Only when nothing else names the id: a rejected file whose `id` is it, under another file name.
            rejectedNames = Set(RejectedDrop.scan(runIds: target.runIds, layout: layout, fs: context.fs).map(\.rejectedAs))
        }
        events += rejections.filter { $0.json["data"]?["rejectedAs"]?.stringValue.map(rejectedNames.contains) ?? false }
        events.sort { $0.at != $1.at ? $0.at < $1.at : $0.order < $1.order }
        if let text, events.isEmpty {
            throw CLIError.notFound("no audit events for run '\(text)'")
        }
        for event in events {
            if context.json {
                context.out.line(String(decoding: event.line, as: UTF8.self))
                continue
            }
            var line = "\(event.at)  \((event.json["event"]?.stringValue ?? "?").padding(20))"
            if let id = event.json["runId"]?.stringValue { line += " \(id)" }
            if let data = event.json["data"]?.objectValue, !data.isEmpty {
                line += "  " + data.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? $0.value.preview)" }.joined(separator: " ")
            }
            context.out.line(line)
        }
        return .success
    }

    static func verify(_ context: CommandContext) async throws -> ExitCode {
        let report = try AuditVerifier.verifyAll(layout: context.layout, fileSystem: context.fs)
        if context.json {
            context.printJSON([
                "files": .int(report.files), "events": .int(report.events), "ok": .bool(report.problems.isEmpty),
                "problems": .array(report.problems.map { ["file": .string($0.file), "line": .int($0.line), "message": .string($0.message)] }),
            ])
        } else if report.problems.isEmpty {
            context.out.line("ok: \(report.events) events in \(report.files) chain\(report.files == 1 ? "" : "s"), every hash chain intact")
        } else {
            for problem in report.problems { context.out.line("broken: \(problem)") }
            context.out.line("\(report.problems.count) of \(report.files) chains broken (\(report.events) events checked before the breaks)")
        }
        return report.problems.isEmpty ? .success : .failure
    }
}
