/// The one decision (approve or reject) a run's current wait for an approval may take, reserved before it is dropped.
///
/// `droprun approve|reject` first creates `outbox/decisions/<runId>~<step>~<requestedAt>.json`
/// with an exclusive link (written hidden, then `link(2)`, which fails when the
/// name exists), then drops its message into the inbox. Of two decisions for
/// one wait made at the same moment, exactly one creates the reservation; the
/// other is refused at once (exit 1), naming the first. The name holds the
/// wait (its step and when it began), so a later approval step of the same run
/// starts free, and nothing has to remove a reservation once its wait is over.
/// A command killed between the two writes leaves a reservation whose message
/// was never dropped: the refusal then says so and names the file to remove.
enum DecisionReservation {
    /// `outbox/decisions/`.
    static func folder(_ layout: RootLayout) -> String { layout.decisions }

    /// The reservation of `record`'s current wait, nil when it waits for no approval.
    static func path(for record: RunRecord, layout: RootLayout) -> String? {
        guard let approval = record.approval else { return nil }
        return layout.decisionReservation(record.runId, step: approval.step, requestedAt: approval.requestedAt)
    }

    /// Reserves the current wait of `runId` for this decision; returns the reservation's path (nil: nothing to reserve).
    ///
    /// - Throws: `CLIError.failed` naming the decision that holds the wait already.
    static func reserve(_ runId: String, approve: Bool, by: String, file: String, context: CommandContext, sync: Bool) throws -> String? {
        let layout = context.layout
        guard let record = try? RecordReader.record(at: layout.runningRecord(runId), fileSystem: context.fs),
            let path = path(for: record, layout: layout)
        else { return nil }
        let fs = context.fs
        if !fs.exists(folder(layout)) { _ = try? fs.makeDirectory(folder(layout)) }
        let body: JSONValue = [
            "runId": .string(runId), "decision": .string(ControlVerb(approve: approve).rawValue), "by": .string(by), "file": .string(file),
            "at": .string(Timestamp.format(context.environment.clock.now())),
        ]
        let written = Result { () throws(FileSystemError) in try fs.writeNew(path, JSONWriter.prettyBytes(body), sync: sync) }
        switch written {
        case .success:
            return path
        case .failure(let error) where !error.isAlreadyExists:
            throw CLIError.fileSystem(error)
        case .failure:
            let first = held(path, fs: fs)
            let what = first.map { "\($0.summary); \($0.next)" } ?? "a decision is reserved in \(layout.relative(path))"
            let dropped = PendingDecision.find(runId, layout: layout, fs: fs) != nil
            let hint =
                dropped
                ? "" : " (if no runner applies it, its command was killed before dropping it: remove \(layout.relative(path)) and decide again)"
            throw CLIError.failed("run '\(runId)' was already decided: \(what). This second decision was not dropped\(hint)")
        }
    }

    /// The decision a reservation names.
    static func held(_ path: String, fs: any FileSystem) -> PendingDecision? {
        guard let bytes = try? fs.readRegularFile(path, maxBytes: 1 << 16), let json = try? JSONParser.parse(bytes) else { return nil }
        return PendingDecision(
            approve: json["decision"]?.stringValue == ControlVerb.approve.rawValue, by: json["by"]?.stringValue,
            path: json["file"]?.stringValue ?? "?")
    }
}
