import Foundation

/// Work a runner can take up: a claimed file, or a run it took over.
enum Work: Sendable {
    /// A file in this runner's claim folder, not yet admitted.
    case claimed(ClaimedFile)
    /// A run accepted from a claimed file, ready to start.
    case admitted(RunRecord, RunRequest, claimPath: String, file: String)
    /// A run record this runner moved into its claim folder to resume it (`previousRunner` nil: it was released).
    case takeover(runId: String, path: String, previousRunner: String?)
}

/// Takes over what dead runners left behind, and runs nobody holds.
///
/// Ownership moves by `rename(2)`, which exactly one of several runners wins:
/// a dead runner's claims move into this runner's claim folder, and a run
/// record moves from `outbox/running/` into it while it is taken over. A dead
/// runner's heartbeat is removed first, so if it was only paused it learns, at
/// its next write, that it lost its runs.
struct Recovery {
    let context: EngineContext

    private var fs: any FileSystem { context.fileSystem }
    private var layout: RootLayout { context.layout }

    /// Everything that can be taken up now.
    func scan() throws -> [Work] {
        var work: [Work] = []
        let liveness = context.liveness
        let mine = layout.claimFolder(context.identity)
        try fs.makeDirectory(mine)
        for folder in (try? fs.list(layout.claimed)) ?? [] where folder.name != context.identity.folderName && !folder.name.hasPrefix(".") {
            guard liveness.isDead(folder.name) else { continue }
            liveness.bury(folder.name)
            let dead = Path.join(layout.claimed, folder.name)
            for entry in (try? fs.list(dead)) ?? [] {
                let source = Path.join(dead, entry.name)
                if entry.name.hasSuffix(".running.json") {
                    // A record the dead runner was taking over: put it back where every runner looks.
                    let runId = String(entry.name.dropLast(".running.json".count))
                    if fs.exists(layout.runningRecord(runId)) || fs.exists(layout.result(runId)) {
                        try? fs.remove(source)
                    } else {
                        try? fs.rename(source, to: layout.runningRecord(runId))
                    }
                    continue
                }
                let original = Self.originalName(entry.name)
                var target = Path.join(mine, original)
                var n = 1
                while fs.exists(target) {
                    n += 1
                    target = Path.join(mine, "\(original)~\(n)")
                }
                if (try? fs.rename(source, to: target)) != nil {
                    work.append(.claimed(ClaimedFile(name: original, path: target, claimedAt: context.clock.now())))
                }
            }
            try? fs.removeDirectory(dead)
        }
        for entry in try fs.list(layout.running) where entry.name.hasSuffix(".json") && !entry.name.hasPrefix(".") {
            let runId = String(entry.name.dropLast(5))
            if fs.exists(layout.result(runId)) {
                // The result is written; its runner is removing the live record, or died before it could.
                repairFinalEvent(runId)
                continue
            }
            guard let bytes = try? fs.readFile(layout.runningRecord(runId)), let json = try? JSONParser.parse(bytes),
                let status = json["status"]?.stringValue.flatMap(RunStatus.init(rawValue:))
            else { continue }
            let owner = json["runner"]?.stringValue
            switch status {
            case .queued, .running:
                if let owner {
                    guard let identity = RunnerIdentity(actor: owner), identity != context.identity else { continue }
                    guard liveness.isDead(identity.folderName) else { continue }
                    liveness.bury(identity.folderName)
                }
            case .waitingApproval:
                guard let expires = json["approval"]?["expiresAt"]?.stringValue.flatMap(Timestamp.parse), expires <= context.clock.now()
                else { continue }
            case .succeeded, .failed, .cancelled:
                continue
            }
            if let path = takeOver(runId) {
                work.append(.takeover(runId: runId, path: path, previousRunner: status == .waitingApproval ? nil : owner))
            }
        }
        return work
    }

    /// Removes a live record left beside its result by a dead runner, and writes the run's final audit event if that runner could not.
    ///
    /// A runner writes the result, then the final event, then removes the live
    /// record; killed between the first and the last, it may leave no final
    /// event. The dead runner's own chain is searched (from its end) first, so
    /// an event is never written twice.
    func repairFinalEvent(_ runId: String) {
        guard let bytes = try? fs.readFile(layout.runningRecord(runId)), let live = try? JSONParser.parse(bytes) else { return }
        let owner = live["runner"]?.stringValue.flatMap(RunnerIdentity.init(actor:))
        if let owner, owner == context.identity || !context.liveness.isDead(owner.folderName) { return }
        guard let resultBytes = try? fs.readFile(layout.result(runId)), let result = try? JSONParser.parse(resultBytes),
            let status = result["status"]?.stringValue.flatMap(RunStatus.init(rawValue:)), status.isFinal
        else { return }
        let event: AuditEventName = status == .succeeded ? .runSucceeded : status == .failed ? .runFailed : .runCancelled
        if let owner, !chainHasEvent(of: owner, event: event, runId: runId) {
            var data: [String: JSONValue] = ["previousRunner": .string(owner.actor), "writtenBy": "recovery"]
            if let error = result["error"], error != .null { data["code"] = error["code"] ?? .null }
            try? context.record(event, runId: runId, data: data)
        }
        try? fs.remove(layout.runningRecord(runId))
    }

    private func chainHasEvent(of runner: RunnerIdentity, event: AuditEventName, runId: String) -> Bool {
        let suffix = "-\(runner.folderName).jsonl"
        for name in (try? AuditVerifier.auditFiles(layout: layout, fileSystem: fs)) ?? [] where name.hasSuffix(suffix) {
            guard let bytes = try? fs.readFile(Path.join(layout.audit, name), maxBytes: 1 << 34) else { continue }
            for line in bytes.split(separator: 0x0A).reversed() {
                guard let json = try? JSONParser.parse(Array(line)) else { continue }
                if json["runId"]?.stringValue == runId, json["event"]?.stringValue == event.rawValue { return true }
            }
        }
        return false
    }

    /// Moves `outbox/running/<runId>.json` into this runner's claim folder; nil when another runner got there first.
    func takeOver(_ runId: String) -> String? {
        let target = Path.join(layout.claimFolder(context.identity), runId + ".running.json")
        do {
            try fs.rename(layout.runningRecord(runId), to: target)
            return target
        } catch {
            return nil
        }
    }

    /// `x.json` from a claim name `x.json~2`.
    static func originalName(_ name: String) -> String {
        guard let tilde = name.lastIndex(of: "~"), Int(name[name.index(after: tilde)...]) != nil else { return name }
        return String(name[..<tilde])
    }
}
