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

    func apply(_ message: ControlMessage, file: ClaimedFile) async throws -> [RunOutcome] {
        let runId = message.runId
        // Names this very drop in its audit event, so a replay after a crash is recognised (see `wasApplied`).
        let sha256 = ((try? fs.readFile(file.path)).map { SHA256.hex($0) }) ?? ""
        // A message taken over from a dead runner may have been applied by it already: never apply it twice
        // (a replayed approval must not approve a later approval step).
        if file.recovered, wasApplied(file, sha256: sha256, message: message) { return try await keepReplayed(file, message) }
        if let json = try? RecordReader.json(at: layout.result(runId), fileSystem: fs), let status = json["status"]?.stringValue {
            if case .approval = message.action, let decided = Self.decided(json) {
                return try await reject(file, message, Rejection(.invalidState, "run '\(runId)' was already decided (\(decided)) and has finished (\(status)); this second decision was not applied", path: JSONPath.root.key("runId")))
            }
            return try await reject(file, message, Rejection(.invalidState, "run '\(runId)' already finished (\(status)); there is nothing to \(message.verb)", path: JSONPath.root.key("runId")))
        }
        switch message.action {
        case .cancel(let by):
            let known = fs.exists(layout.runningRecord(runId)) || fs.exists(layout.request(runId)) || inboxHolds(runId)
            guard known else {
                return try await reject(file, message, Rejection(.unknownRun, "no run '\(runId)' (looked in outbox/results, outbox/running, outbox/requests and the inbox)", path: JSONPath.root.key("runId")))
            }
            let marker: JSONValue = ["runId": .string(runId), "by": by.map(JSONValue.string) ?? .null, "at": .string(Timestamp.format(context.clock.now())), "file": .string(file.name)]
            try fs.writeAtomically(layout.cancelMarker(runId), JSONWriter.prettyBytes(marker), sync: false)
            context.cancelBoard.noteMarker(runId)
            try context.record(.cancelReceived, runId: runId, data: ["by": by.map(JSONValue.string) ?? .null, "file": .string(file.name), "sha256": .string(sha256)])
            try keep(file)
            try await context.commit()
            var outcomes = [RunOutcome(kind: .control, file: file.name, runId: runId, durationMs: nil, detail: "cancel requested")]
            if let final = try await cancelIfIdle(runId) {
                outcomes.append(RunOutcome(kind: .finished(final.status), file: final.requestFile, runId: runId, durationMs: final.durationMs, detail: final.error?.code.rawValue))
            }
            return outcomes
        case .approval(let approve, let by, let note):
            let read = Result { () throws(UnreadableRecord) in try RecordReader.json(at: layout.runningRecord(runId), fileSystem: fs) }
            if case .failure(let problem) = read, !problem.isNotFound {
                context.reportUnreadable(problem)
                return try await reject(file, message, Rejection(.invalidState, problem.relative(to: layout).description, path: JSONPath.root.key("runId")))
            }
            guard let json = try? read.get(), let status = json["status"]?.stringValue else {
                if intake.isBeingTakenOver(runId) {
                    return try await rejectBeingChanged(file, message)
                }
                if fs.exists(layout.request(runId)) || inboxHolds(runId) {
                    return try await reject(file, message, Rejection(.invalidState, "run '\(runId)' is not waiting for an approval (it has not reached an approval step)", path: JSONPath.root.key("runId")))
                }
                return try await reject(file, message, Rejection(.unknownRun, "no run '\(runId)' (looked in outbox/results, outbox/running, outbox/requests and the inbox)", path: JSONPath.root.key("runId")))
            }
            guard status == RunStatus.waitingApproval.rawValue else {
                if let decided = Self.decided(json) {
                    return try await reject(file, message, Rejection(.invalidState, "run '\(runId)' was already decided (\(decided)) and is \(status) again; this second decision was not applied", path: JSONPath.root.key("runId")))
                }
                return try await reject(file, message, Rejection(.invalidState, "run '\(runId)' is \(status), not waiting for an approval", path: JSONPath.root.key("runId")))
            }
            let stillWaiting: (JSONValue) -> Bool = { $0["status"]?.stringValue == RunStatus.waitingApproval.rawValue }
            guard let path = Recovery(context: context).takeOver(runId, stillHolds: stillWaiting) else {
                return try await rejectBeingChanged(file, message)
            }
            guard let loaded = RunLoader(context: context).load(runId: runId, recordPath: path) else {
                Recovery(context: context).putBack(runId, from: path)
                return try await reject(file, message, Rejection(.invalidState, "the record of run '\(runId)' cannot be read back; see the runner's warning", path: JSONPath.root.key("runId")))
            }
            var executor = RunExecutor(context: context, request: loaded.request, record: loaded.record, placeholder: path, origin: .takenOver(previousRunner: nil))
            let final: RunRecord?
            do {
                final = try await executor.decide(approve: approve, by: by, note: note, file: ["file": .string(file.name), "sha256": .string(sha256)])
            } catch let error as FileSystemError {
                throw error
            } catch {
                // Nothing of the decision was written (no transition fitted): the run waits on where it was.
                Recovery(context: context).putBack(runId, from: path)
                throw error
            }
            try keep(file)
            try await context.commit()
            var outcomes = [RunOutcome(kind: .control, file: file.name, runId: runId, durationMs: nil, detail: approve ? "approved" : "rejected")]
            if let final {
                outcomes.append(RunOutcome(kind: .finished(final.status), file: final.requestFile, runId: runId, durationMs: final.durationMs, detail: final.error?.code.rawValue))
            }
            return outcomes
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
        let json: JSONValue
        do {
            json = try RecordReader.json(at: layout.runningRecord(runId), fileSystem: fs)
        } catch {
            context.reportUnreadable(error)
            return nil
        }
        let liveness = context.liveness
        let mine = context.identity.folderName
        let isIdle: (JSONValue) -> Bool = { json in
            let owner = Recovery.ownerFolder(json)
            guard owner != mine, let status = json["status"]?.stringValue.flatMap(RunStatus.init(rawValue:)), !status.isFinal else { return false }
            return status == .waitingApproval || owner == nil || (owner.map { liveness.isDead($0) } ?? true)
        }
        guard isIdle(json), let path = Recovery(context: context).takeOver(runId, stillHolds: isIdle) else { return nil }
        guard let loaded = RunLoader(context: context).load(runId: runId, recordPath: path) else {
            Recovery(context: context).putBack(runId, from: path)
            return nil
        }
        var executor = RunExecutor(context: context, request: loaded.request, record: loaded.record, placeholder: path, origin: .takenOver(previousRunner: nil))
        // A dead runner's command may still run for this run (its group in the record): it is ended before the run is.
        _ = await executor.endLeftoverProcesses()
        return try await executor.finishCancelled()
    }

    /// True when a request waiting in the inbox, or taken by this runner and not yet admitted, carries this run id.
    private func inboxHolds(_ runId: String) -> Bool {
        if fs.exists(Path.join(layout.inbox, runId + ".json")) { return true }
        let claims = layout.claimFolder(context.identity)
        for folder in [layout.inbox, claims] {
            for entry in (try? fs.list(folder)) ?? [] where !entry.name.hasPrefix(".") && !entry.name.hasSuffix(Recovery.takeoverSuffix) {
                guard folder == claims || InboxScanner.isRequestName(entry.name),
                    let bytes = try? fs.readRegularFile(Path.join(folder, entry.name), maxBytes: context.configuration.maxRequestBytes),
                    let json = try? JSONParser.parse(bytes), json["kind"] == nil || json["kind"] == "run"
                else { continue }
                if (json["id"]?.stringValue ?? RunID.fromFileName(Recovery.originalName(entry.name))) == runId { return true }
            }
        }
        return false
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
            name = file.name.hasSuffix(".json") ? "\(file.name.dropLast(5))~\(n).json" : "\(file.name)~\(n)"
        }
        try fs.rename(file.path, to: Path.join(layout.control, name))
    }

    /// Rejects an approval for a run another runner (or this one, elsewhere) is moving at this moment.
    private func rejectBeingChanged(_ file: ClaimedFile, _ message: ControlMessage) async throws -> [RunOutcome] {
        try await reject(file, message, Rejection(.invalidState, "run '\(message.runId)' is being changed by another runner; drop the approval again", path: JSONPath.root.key("runId")))
    }

    private func reject(_ file: ClaimedFile, _ message: ControlMessage, _ rejection: Rejection) async throws -> [RunOutcome] {
        _ = try intake.reject(file, rejection)
        try await context.commit()
        return [RunOutcome(kind: .rejected(rejection.reason), file: file.name, runId: message.runId, durationMs: nil, detail: rejection.issues.first?.description)]
    }
}

extension RunExecutor {
    /// Records a decision for the waiting approval step: approve releases the run to continue; reject fails it (and returns its result).
    ///
    /// `file` names where the decision came from (a dropped file's name and SHA-256), for the audit event.
    mutating func decide(approve: Bool, by: String?, note: String?, file: [String: JSONValue] = [:]) async throws -> RunRecord? {
        guard let approval = record.approval, let index = record.steps.firstIndex(where: { $0.id == approval.step }) else {
            return try await failDamagedWait()
        }
        guard record.steps[index].status == .running else { return try await failDamagedWait(notRunning: index) }
        let now = context.clock.now()
        var data: [String: JSONValue] = [
            "step": .string(approval.step), "decision": .string(approve ? "approve" : "reject"),
            "by": by.map(JSONValue.string) ?? .null, "note": note.map(JSONValue.string) ?? .null,
        ]
        data.merge(file) { current, _ in current }
        record.waitedMs += now.milliseconds(since: approval.requestedAt)
        record.approval = nil
        record.steps[index].output = ["decision": .string(approve ? "approve" : "reject"), "by": by.map(JSONValue.string) ?? .null, "note": note.map(JSONValue.string) ?? .null]
        record.steps[index].finishedAt = now
        // The decision's event is written once its transitions are applied: an event never names a decision that
        // could not be (a replay after a crash finds the event and files the message as applied).
        if approve {
            try record.steps[index].apply(.succeed)
            try record.apply(.resume)
            try context.record(.approvalReceived, runId: record.runId, data: data)
            record.runner = nil
            record.runnerId = nil
            try await checkpoint()
            try context.record(.runResumed, runId: record.runId, data: ["step": .string(approval.step), "by": by.map(JSONValue.string) ?? .null])
            return nil
        } else {
            try record.steps[index].apply(.fail)
            try context.record(.approvalReceived, runId: record.runId, data: data)
            let failure = StepFailure(.approvalRejected, "approval rejected" + (by.map { " by \($0)" } ?? "") + (note.map { ": \($0)" } ?? ""))
            record.steps[index].error = failure
            try context.record(.stepFailed, runId: record.runId, data: [
                "step": .string(approval.step), "attempt": .int(record.steps[index].attempts), "code": .string(failure.code.rawValue),
                "message": .string(failure.message), "retryable": false,
            ])
            return try await finish(failure: (failure, approval.step))
        }
    }

    /// Fails a waiting run whose record names no approval, or an approval step it does not have (edited or damaged).
    ///
    /// - Parameter notRunning: the index of the approval step when it is among the steps but not `running` (a waiting
    ///   step is `running`), which no decision can be applied to either.
    private mutating func failDamagedWait(notRunning: Int? = nil) async throws -> RunRecord {
        var named = record.approval.map { "approval step '\($0.step)', which is not among its steps" } ?? "an approval but names none"
        if let index = notRunning {
            named = "approval step '\(record.steps[index].id)', which is \(record.steps[index].status.rawValue), not running"
        }
        record.approval = nil
        return try await failUnrunnable(StepFailure(.workflowMismatch, "the record of run '\(record.runId)' waits for \(named); was it changed by hand? Retry it with 'droprun retry \(record.runId)'"))
    }

    /// Fails a waiting run whose approval expired.
    mutating func expireApproval() async throws -> RunRecord {
        guard let approval = record.approval, let index = record.steps.firstIndex(where: { $0.id == approval.step }) else {
            return try await failDamagedWait()
        }
        guard record.steps[index].status == .running else { return try await failDamagedWait(notRunning: index) }
        let failure = StepFailure(.approvalExpired, "no decision before \(approval.expiresAt.map(Timestamp.format) ?? "the deadline")")
        record.runner = context.identity.actor
        record.runnerId = context.identity.folderName
        record.waitedMs += context.clock.now().milliseconds(since: approval.requestedAt)
        record.approval = nil
        try record.steps[index].apply(.fail)
        record.steps[index].error = failure
        record.steps[index].finishedAt = context.clock.now()
        try context.record(.stepFailed, runId: record.runId, data: [
            "step": .string(approval.step), "attempt": .int(record.steps[index].attempts), "code": .string(failure.code.rawValue),
            "message": .string(failure.message), "retryable": false,
        ])
        return try await finish(failure: (failure, approval.step))
    }
}

/// Reads a run back from its record, its kept request and the workflow definition it was admitted with.
struct RunLoader {
    let context: EngineContext

    /// The record and request of `runId`; `problem` says why the run cannot go on (it is then failed with that), if so;
    /// nil when its record cannot be read (reported as a warning, naming `outbox/running/<runId>.json`, where the
    /// caller puts a record it moved back).
    ///
    /// A named workflow comes from `outbox/requests/<runId>~workflow.json`,
    /// never from the workflows folder; a kept definition that is gone or
    /// whose SHA-256 is not the record's is a `workflow_mismatch`. Runs
    /// recorded by a droprun that kept no definition (their record has no
    /// `workflow.sha256`) resolve the file as it is now, and the executor
    /// checks its steps against the record's.
    /// The failure for a kept request whose bytes are not the ones the run was admitted with (someone rewrote it).
    private func requestChanged(_ raw: [UInt8], _ record: RunRecord) -> StepFailure {
        StepFailure(.workflowMismatch, "outbox/requests/\(record.runId).json is not the request the run was admitted with (its sha256 is \(SHA256.hex(raw)), the record's \(record.requestSHA256)): it was changed after admission, so it is not run")
    }

    func load(runId: String, recordPath: String) -> (record: RunRecord, request: RunRequest, problem: StepFailure?)? {
        let fs = context.fileSystem
        let record: RunRecord
        do {
            record = try RecordReader.record(at: recordPath, fileSystem: fs)
        } catch {
            context.reportUnreadable(UnreadableRecord(path: context.layout.runningRecord(runId), reason: error.reason))
            return nil
        }
        let keptPath = "outbox/requests/\(runId)~workflow.json"
        var problem = StepFailure(.providerError, "outbox/requests/\(runId).json cannot be read")
        let keptRequest = try? fs.readFile(context.layout.request(runId), maxBytes: 1 << 30)
        if let raw = keptRequest, !record.requestSHA256.isEmpty, SHA256.hex(raw) != record.requestSHA256 {
            problem = requestChanged(raw, record)
        } else if let raw = keptRequest {
            var decoded: (drop: Result<Drop, Rejection>, workflow: AdmittedWorkflow?)?
            do throws(ReadFileError) {
                let kept = try fs.readFile(context.layout.keptWorkflow(runId), maxBytes: 64 << 20)
                if let sha = record.workflowSHA256, SHA256.hex(kept) != sha {
                    problem = StepFailure(.workflowMismatch, "\(keptPath) is not the definition the run was admitted with (its sha256 is \(SHA256.hex(kept)), the record's \(sha))")
                } else {
                    decoded = AdmittedWorkflow.decode(raw, fileName: runId + ".json", with: context.decoder, kept: kept)
                }
            } catch .notFound where record.workflowFile != nil {
                problem = StepFailure(.workflowMismatch, "the definition the run was admitted with (\(keptPath), from \(record.workflowFile ?? "")) is gone")
            } catch .notFound {
                // Inline, or recorded before definitions were kept.
                decoded = AdmittedWorkflow.decode(raw, fileName: runId + ".json", with: context.decoder)
            } catch {
                problem = StepFailure(.workflowMismatch, "the definition the run was admitted with (\(keptPath)) cannot be read: \(error)")
            }
            switch decoded?.drop {
            case .success(.run(var request, _))?:
                request.id = runId
                return (record, request, nil)
            case .success(.control)?:
                problem = StepFailure(.providerError, "outbox/requests/\(runId).json is not a run request")
            case .failure(let rejection)?:
                problem = StepFailure(.providerError, "the kept request no longer validates (was the configuration or a provider changed?): \(rejection)")
            case nil:
                break
            }
        }
        // Keep the recorded shape, so the run can at least end with a clear error.
        let workflow = Workflow(name: record.workflowName, version: record.workflowVersion, steps: record.steps.map { StepDefinition(id: $0.id, provider: $0.provider) })
        return (record, RunRequest(id: runId, workflow: workflow), problem)
    }
}
