import Foundation

/// Applies control messages (approve, reject, cancel) to runs, whatever state they are in.
///
/// A cancel leaves a marker `outbox/cancels/<runId>.json`: the runner
/// executing the run sees it within `cancelPollInterval` and interrupts the
/// step; a run still in the inbox or not yet started is cancelled when it is
/// taken, without running a step; a waiting run is cancelled here at once. An
/// approval takes the waiting run over, records the decision and either
/// releases it to continue (any runner resumes it) or fails it. Applied
/// messages are kept, as dropped, in `outbox/control/`.
struct ControlDesk {
    let context: EngineContext
    let intake: Intake

    private var fs: any FileSystem { context.fileSystem }
    private var layout: RootLayout { context.layout }
    private var locator: RunLocator { RunLocator(context: context) }

    func apply(_ message: ControlMessage, file: ClaimedFile) async throws -> [RunOutcome] {
        let runId = message.runId
        // Names this very drop in its audit event, so a replay after a crash is recognised (see `wasApplied`).
        let sha256 = ((try? fs.readFile(file.path)).map { SHA256.hex($0) }) ?? ""
        // A message taken over from a dead runner may have been applied by it already: never apply it twice
        // (a replayed approval must not approve a later approval step).
        if file.recovered, wasApplied(file, sha256: sha256, message: message) { return try await keepReplayed(file, message) }
        if let result = try? locator.held(at: layout.result(runId)) {
            let status = result.status.rawValue
            if case .approval = message.action, let decided = Self.decided(result.json) {
                return try await reject(
                    file, message,
                    Rejection(
                        .invalidState,
                        "run '\(runId)' was already decided (\(decided)) and has finished (\(status)); this second decision was not applied",
                        path: JSONPath.root.key("runId")))
            }
            return try await reject(
                file, message,
                Rejection(
                    .invalidState, "run '\(runId)' already finished (\(status)); there is nothing to \(message.verb)",
                    path: JSONPath.root.key("runId")))
        }
        switch message.action {
        case .cancel(let by):
            let known = locator.hasLiveRecord(runId) || locator.isAccepted(runId) || inboxHolds(runId)
            guard known else {
                return try await reject(
                    file, message,
                    Rejection(
                        .unknownRun, "no run '\(runId)' (looked in outbox/results, outbox/running, outbox/requests and the inbox)",
                        path: JSONPath.root.key("runId")))
            }
            let marker = RootLayout.cancelMarkerContent(runId: runId, by: by, at: context.clock.now(), file: file.name)
            try fs.writeAtomically(layout.cancelMarker(runId), JSONWriter.prettyBytes(marker), sync: false)
            context.cancelBoard.noteMarker(runId)
            try context.record(.cancelReceived(by: by, source: ControlSource(file: file.name, sha256: sha256)), runId: runId)
            try keep(file)
            try await context.commit()
            var outcomes = [RunOutcome(kind: .control, file: file.name, runId: runId, durationMs: nil, detail: "cancel requested")]
            if let final = try await cancelIfIdle(runId) {
                outcomes.append(.finished(final))
            }
            return outcomes
        case .approval(let approve, let by, let note):
            let read = Result { () throws(UnreadableRecord) in try locator.held(at: layout.runningRecord(runId)) }
            if case .failure(let problem) = read, !problem.isNotFound {
                context.reportUnreadable(problem)
                return try await reject(
                    file, message, Rejection(.invalidState, problem.relative(to: layout).description, path: JSONPath.root.key("runId")))
            }
            guard let live = try? read.get() else {
                if locator.isBeingTakenOver(runId) {
                    return try await rejectBeingChanged(file, message)
                }
                if locator.isAccepted(runId) || inboxHolds(runId) {
                    return try await reject(
                        file, message,
                        Rejection(
                            .invalidState, "run '\(runId)' is not waiting for an approval (it has not reached an approval step)",
                            path: JSONPath.root.key("runId")))
                }
                return try await reject(
                    file, message,
                    Rejection(
                        .unknownRun, "no run '\(runId)' (looked in outbox/results, outbox/running, outbox/requests and the inbox)",
                        path: JSONPath.root.key("runId")))
            }
            let status = live.status.rawValue
            guard TakeoverPolicy.awaitsDecision(live) else {
                if let decided = Self.decided(live.json) {
                    return try await reject(
                        file, message,
                        Rejection(
                            .invalidState,
                            "run '\(runId)' was already decided (\(decided)) and is \(status) again; this second decision was not applied",
                            path: JSONPath.root.key("runId")))
                }
                return try await reject(
                    file, message,
                    Rejection(.invalidState, "run '\(runId)' is \(status), not waiting for an approval", path: JSONPath.root.key("runId")))
            }
            // A move that fails for a reason of the disk is thrown: the message is deferred and tried again.
            guard let path = try Recovery(context: context).takeOverOrFail(runId, stillHolds: TakeoverPolicy.awaitsDecision) else {
                return try await rejectBeingChanged(file, message)
            }
            guard let loaded = RunLoader(context: context).load(runId: runId, recordPath: path) else {
                Recovery(context: context).putBack(runId, from: path)
                return try await reject(
                    file, message,
                    Rejection(
                        .invalidState, "the record of run '\(runId)' cannot be read back; see the runner's warning", path: JSONPath.root.key("runId"))
                )
            }
            let run = TakenOverRun(record: loaded.record, request: loaded.request, problem: loaded.problem, placeholder: path, previousRunner: nil)
            let decision = ApprovalDecision(approve: approve, by: by, note: note, source: ControlSource(file: file.name, sha256: sha256))
            let final: RunRecord?
            do {
                final = try await RunExecutor.carryOut(.decide(run, decision), context: context)
            } catch {
                giveBack(runId, takenAt: path)
                throw error
            }
            try keep(file)
            try await context.commit()
            var outcomes = [RunOutcome(kind: .control, file: file.name, runId: runId, durationMs: nil, detail: approve ? "approved" : "rejected")]
            if let final {
                outcomes.append(.finished(final))
            }
            return outcomes
        }
    }

    /// Gives back the record taken over for a decision that could not be carried out (no transition fitted, the lease
    /// was lost, the disk refused a write).
    ///
    /// Until the decision is written, nothing of it is (its events come after
    /// the write): the record is put back and the run waits as before, so the
    /// message, offered again (`DeferredClaims`), finds it waiting. A record
    /// that is gone was replaced by the resumed one, which is the run's; a
    /// result says the run ended (this decision's, or another runner's), so
    /// the record taken is no longer the run's and is removed, never put back
    /// beside it.
    private func giveBack(_ runId: String, takenAt path: String) {
        guard fs.exists(path) else { return }
        if fs.exists(layout.result(runId)) {
            try? fs.remove(path)
        } else {
            Recovery(context: context).putBack(runId, from: path)
        }
    }

    /// The latest decision a record holds ("approved by alice at step 'ok'"), if any: its approval steps' outputs.
    static func decided(_ json: JSONValue) -> String? {
        for step in (json["steps"]?.arrayValue ?? []).reversed() {
            guard let decision = step["output"]?["decision"]?.stringValue, decision == "approve" || decision == "reject" else { continue }
            let by = step["output"]?["by"]?.stringValue.map { " by \($0)" } ?? ""
            return (decision == "approve" ? "approved" : "rejected") + by + " at step '\(step["id"]?.stringValue ?? "?")'"
        }
        return nil
    }

    /// Cancels at once a run that no runner is executing (waiting, or held by nobody).
    func cancelIfIdle(_ runId: String) async throws -> RunRecord? {
        let live: HeldRecord?
        do {
            live = try locator.held(at: layout.runningRecord(runId))
        } catch {
            context.reportUnreadable(error)
            return nil
        }
        let policy = TakeoverPolicy(context: context)
        guard let live, policy.isIdle(live), let path = Recovery(context: context).takeOver(runId, stillHolds: policy.isIdle) else { return nil }
        guard let loaded = RunLoader(context: context).load(runId: runId, recordPath: path) else {
            Recovery(context: context).putBack(runId, from: path)
            return nil
        }
        let run = TakenOverRun(record: loaded.record, request: loaded.request, problem: loaded.problem, placeholder: path, previousRunner: nil)
        return try await RunExecutor.carryOut(.cancel(run), context: context)
    }

    /// True when a request waiting in the inbox, or taken by this runner and not yet admitted, carries this run id.
    private func inboxHolds(_ runId: String) -> Bool {
        locator.inboxHolds(runId, claims: layout.claimFolder(context.identity), maxRequestBytes: context.configuration.maxRequestBytes)
    }

    /// True when this very drop (same name, same bytes) was applied to its run already.
    ///
    /// A runner applies a message, then files it in `outbox/control/`; killed
    /// in between, it leaves the message in its claim folder, and the runner
    /// that takes the claim over finds the run already decided. The message's
    /// audit event names the file and its SHA-256, so the replay is filed as
    /// applied instead of applied again or rejected. Only asked for messages
    /// taken over from a dead runner's claim folder, which is rare, since it
    /// reads the audit chains.
    private func wasApplied(_ file: ClaimedFile, sha256: String, message: ControlMessage) -> Bool {
        guard !sha256.isEmpty else { return false }
        let event: AuditEventName
        switch message.action {
        case .cancel: event = .cancelReceived
        case .approval: event = .approvalReceived
        }
        return AuditSearch(layout: layout, fileSystem: fs).contains(event, runId: message.runId, mentioning: sha256) { json in
            json["data"]?["file"]?.stringValue == file.name && json["data"]?["sha256"]?.stringValue == sha256
        }
    }

    /// Files a message that was applied before a crash, and says so.
    private func keepReplayed(_ file: ClaimedFile, _ message: ControlMessage) async throws -> [RunOutcome] {
        try keep(file)
        try await context.commit()
        return [RunOutcome(kind: .control, file: file.name, runId: message.runId, durationMs: nil, detail: "already applied before a restart")]
    }

    /// Files an applied message in `outbox/control/`, as it was dropped.
    private func keep(_ file: ClaimedFile) throws {
        var name = file.name
        var n = 1
        while fs.exists(Path.join(layout.control, name)) {
            n += 1
            name = RootLayout.keptControlName(file.name, n)
        }
        try fs.rename(file.path, to: Path.join(layout.control, name))
    }

    /// Rejects an approval for a run another runner (or this one, elsewhere) is moving at this moment.
    private func rejectBeingChanged(_ file: ClaimedFile, _ message: ControlMessage) async throws -> [RunOutcome] {
        try await reject(
            file, message,
            Rejection(
                .invalidState, "run '\(message.runId)' is being changed by another runner; drop the approval again", path: JSONPath.root.key("runId"))
        )
    }

    private func reject(_ file: ClaimedFile, _ message: ControlMessage, _ rejection: Rejection) async throws -> [RunOutcome] {
        _ = try intake.reject(file, rejection)
        try await context.commit()
        return [
            RunOutcome(
                kind: .rejected(rejection.reason), file: file.name, runId: message.runId, durationMs: nil, detail: rejection.issues.first?.description
            )
        ]
    }
}
