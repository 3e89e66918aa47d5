import Foundation

/// `droprun audit [RUN_ID]` and `droprun audit verify`.
enum AuditCommand {
    /// One event to print, with where it was read (for a stable order among events of the same time).
    private typealias Event = (at: String, order: (file: Int, offset: Int64), json: JSONValue, line: [UInt8])

    /// `"event":"request.rejected"`: the lines a drop that never became a run left.
    private static let rejectionNeedle = Array(#""event":"request.rejected""#.utf8)

    /// Prints every event, or one run's, merged by time.
    ///
    /// For a run with a record (a result, or a live record), only the segments
    /// that can hold its events are read (see `AuditRunSegments`): those its
    /// index line names, and those written while it lived. Every segment is
    /// read in chunks, and only lines holding `"runId":"<id>"` are parsed. A
    /// run without a record (purged, unknown) or a drop that was rejected
    /// under its name is looked for in every segment, as streamed.
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let text = context.parsed.argument("run_id")
        let target = try text.map(RunLookup.Target.init)
        let layout = context.layout
        // A drop that never became a run has no events of its own: its `request.rejected` event names the file it was filed as.
        var rejectedNames = Set(target.map { $0.fileNames.flatMap { RejectedDrop.filed(under: $0, layout: layout, fs: context.fs) } } ?? [])
        var events: [Event] = []
        var rejections: [Event] = []
        let runNeedles = target?.runIds.map(AuditRunSegments.runIdNeedle)
        func read(_ files: [String], needles: [[UInt8]]?) {
            let reader = AuditLineReader(fileSystem: context.fs)
            for (index, name) in files.enumerated() {
                _ = try? reader.read(Path.join(layout.audit, name), needles: needles) { line in
                    guard let json = try? JSONParser.parse(Array(line.bytes)) else { return true }
                    let event = (json["at"]?.stringValue ?? "", (index, line.offset), json, Array(line.bytes))
                    guard let target else {
                        events.append(event)
                        return true
                    }
                    if let runId = json["runId"]?.stringValue {
                        if target.runIds.contains(runId) { events.append(event) }
                    } else if json["event"]?.stringValue == AuditEventName.requestRejected.rawValue {
                        rejections.append(event)
                    }
                    return true
                }
            }
        }
        if let target, rejectedNames.isEmpty, let files = try segments(of: target, context) {
            read(files, needles: runNeedles)
            if events.isEmpty {
                // Only when nothing else names the id: a rejected file whose `id` is it, under another file name.
                rejectedNames = Set(RejectedDrop.scan(runIds: target.runIds, layout: layout, fs: context.fs).map(\.rejectedAs))
                if !rejectedNames.isEmpty {
                    read(try AuditVerifier.auditFiles(layout: layout, fileSystem: context.fs), needles: [rejectionNeedle])
                }
            }
        } else {
            read(try AuditVerifier.auditFiles(layout: layout, fileSystem: context.fs), needles: runNeedles.map { $0 + [rejectionNeedle] })
            if let target, events.isEmpty, rejectedNames.isEmpty {
                // Only when nothing else names the id: a rejected file whose `id` is it, under another file name.
                rejectedNames = Set(RejectedDrop.scan(runIds: target.runIds, layout: layout, fs: context.fs).map(\.rejectedAs))
            }
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

    /// The segments that can hold the events of `target`'s runs, by name; nil when one of them has no record to say when
    /// it lived (then every segment is read).
    private static func segments(of target: RunLookup.Target, _ context: CommandContext) throws(FileSystemError) -> [String]? {
        let locator = RunLocator(layout: context.layout, fileSystem: context.fs)
        let finder = AuditRunSegments(layout: context.layout, fileSystem: context.fs)
        var window: (from: Date, through: Date)?
        var named: Set<String> = []
        for runId in target.runIds {
            let record: RunRecord
            switch locator.locate(runId, deep: false) {
            case .result(let found, _), .live(let found, _, _): record = found
            case .unknown: continue
            default: return nil
            }
            let through = record.finishedAt ?? context.environment.clock.now()
            window = (min(window?.from ?? record.createdAt, record.createdAt), max(window?.through ?? through, through))
            if let finishedAt = record.finishedAt,
                let indexed = finder.indexed(
                    runId: runId, finishedAt: finishedAt, writer: HeldRecord.owner(runnerId: record.runnerId, runner: record.runner))
            {
                named.formUnion(indexed)
            }
        }
        guard let window else { return nil }
        let overlapping = try finder.overlapping(from: window.from, through: window.through)
        return Array(named.union(overlapping)).sorted()
    }

    static func verify(_ context: CommandContext) async throws -> ExitCode {
        let report = try AuditVerifier.verifyAll(layout: context.layout, fileSystem: context.fs)
        let chains = "\(report.chains) chain\(report.chains == 1 ? "" : "s")"
        let segments = report.files == report.chains ? "" : " (\(report.files) segments)"
        if context.json {
            context.printJSON([
                "files": .int(report.files), "chains": .int(report.chains), "events": .int(report.events), "ok": .bool(report.problems.isEmpty),
                "problems": .array(report.problems.map { ["file": .string($0.file), "line": .int($0.line), "message": .string($0.message)] }),
            ])
        } else if report.problems.isEmpty {
            context.out.line("ok: \(report.events) events in \(chains)\(segments), every hash chain intact")
        } else {
            for problem in report.problems { context.out.line("broken: \(problem)") }
            let count = report.problems.count
            context.out.line("\(count) problem\(count == 1 ? "" : "s") in \(chains)\(segments) (\(report.events) events checked before the breaks)")
        }
        return report.problems.isEmpty ? .success : .failure
    }
}
