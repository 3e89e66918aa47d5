import Foundation

/// Judges a root: is it being served, is work moving, is anything stuck or unreadable (`droprun health`).
///
/// It reads the present once (`RootSnapshot`) and the few files that say
/// more: the claim folders and checkpoint logs of runners, the kept requests
/// of live runs and, when `deep`, every audit chain. Who holds a run and
/// whether its runner is gone is recovery's own rule (`TakeoverPolicy` over
/// `Liveness`), so health never calls a run stranded that recovery would
/// leave alone, nor the other way round. It only reads.
public struct HealthCheck: Sendable {
    /// The root.
    public var layout: RootLayout
    /// The disk.
    public var fileSystem: any FileSystem
    /// The thresholds (`health`) and the lease (`leaseSeconds`).
    public var configuration: Configuration
    /// Judges runners' leases.
    public var liveness: Liveness
    /// Also verify every audit chain (reads the whole audit log).
    public var deep = false

    public init(layout: RootLayout, fileSystem: any FileSystem, configuration: Configuration, liveness: Liveness, deep: Bool = false) {
        self.layout = layout
        self.fileSystem = fileSystem
        self.configuration = configuration
        self.liveness = liveness
        self.deep = deep
    }

    /// A check over an engine's root, settings and liveness.
    public init(context: EngineContext, deep: Bool = false) {
        self.init(
            layout: context.layout, fileSystem: context.fileSystem, configuration: context.configuration, liveness: context.liveness, deep: deep)
    }

    private var settings: HealthSettings { configuration.health }
    private var lease: Double { Double(configuration.leaseSeconds) }
    /// How long a run held by a dead runner may wait to be taken over, and an expired approval to be failed.
    var takeoverGrace: Double { 2 * lease }

    /// Looks at the root as it is at `now`.
    public func run(now: Date) -> HealthReport {
        let snapshot = RootSnapshot.read(layout: layout, fileSystem: fileSystem, liveness: liveness, now: now)
        var report = HealthReport(checkedAt: now, snapshot: snapshot, deep: deep)
        report.problems += runnerProblems(snapshot, now: now)
        report.problems += queueProblems(snapshot, now: now)
        let approvals = approvalProblems(snapshot, now: now)
        report.approvalsOverdue = approvals.count
        report.problems += approvals
        report.problems += strandedRuns(snapshot, now: now)
        report.problems += snapshot.unreadable.map { unreadable in
            let file = layout.relative(unreadable.path)
            return HealthProblem(
                .unreadableRecord, "the live record \(file) cannot be read: \(unreadable.reason); its run is stuck",
                runId: RunID.fromFileName(Path.name(file)), file: file)
        }
        report.problems += keptRequestProblems(snapshot)
        report.problems += checkpointLogProblems()
        if deep { report.problems += auditProblems() }
        return report
    }

    // MARK: Runners and the queue

    func runnerProblems(_ snapshot: RootSnapshot, now: Date) -> [HealthProblem] {
        var problems: [HealthProblem] = []
        let live = snapshot.runners.filter(\.isLive)
        if live.isEmpty, settings.requireRunner {
            if let newest = snapshot.runners.max(by: { $0.renewedAt < $1.renewedAt }) {
                let age = now.timeIntervalSince(newest.renewedAt)
                problems.append(
                    HealthProblem(
                        .noLiveRunner,
                        "no runner holds a live lease: the newest heartbeat, outbox/runners/\(newest.folderName).json, was renewed \(Self.age(age)) ago (leaseSeconds \(configuration.leaseSeconds)) or its process is gone",
                        runner: newest.folderName, ageSeconds: Self.seconds(age)))
            } else {
                problems.append(HealthProblem(.noLiveRunner, "no runner serves the root: outbox/runners/ holds no heartbeat"))
            }
        }
        guard snapshot.waitingDepth > 0, let oldest = snapshot.oldestWaitingAt, now.timeIntervalSince(oldest) > Double(settings.stallSeconds)
        else {
            return problems
        }
        for runner in live {
            guard let progress = runner.progress else { continue }
            let idle = now.timeIntervalSince(progress.lastProgressAt)
            guard idle > Double(settings.stallSeconds) else { continue }
            let mode = runner.mode.map { " (\($0))" } ?? ""
            let drops = snapshot.waitingDepth == 1 ? "1 drop waits" : "\(snapshot.waitingDepth) drops wait"
            problems.append(
                HealthProblem(
                    .runnerStalled,
                    "runner \(runner.folderName)\(mode) claimed and finished nothing for \(Self.age(idle)) (health.stallSeconds \(settings.stallSeconds)) while \(drops) \(Self.waitingWhere(snapshot)), the oldest for \(Self.age(now.timeIntervalSince(oldest))); it holds \(runner.runs) run\(runner.runs == 1 ? "" : "s") and has finished \(progress.finished) since it started",
                    runner: runner.folderName, ageSeconds: Self.seconds(idle)))
        }
        return problems
    }

    func queueProblems(_ snapshot: RootSnapshot, now: Date) -> [HealthProblem] {
        guard let oldest = snapshot.oldestWaitingAt, let file = snapshot.oldestWaitingFile else { return [] }
        let age = now.timeIntervalSince(oldest)
        guard age > Double(settings.maxQueueAgeSeconds) else { return [] }
        return [
            HealthProblem(
                .queueTooOld,
                "\(file), the oldest of \(Self.count(snapshot.waitingDepth, "drop")) waiting to start \(Self.waitingWhere(snapshot)), has waited \(Self.age(age)), more than health.maxQueueAgeSeconds (\(Self.age(Double(settings.maxQueueAgeSeconds))))",
                file: file, ageSeconds: Self.seconds(age))
        ]
    }

    /// Where the drops waiting to start are: `in inbox/`, `claimed in outbox/claimed/`, or `(2 in inbox/, 3 claimed in outbox/claimed/)`.
    static func waitingWhere(_ snapshot: RootSnapshot) -> String {
        switch (snapshot.inboxDepth, snapshot.claimedDepth) {
        case (_, 0): "in inbox/"
        case (0, _): "claimed in outbox/claimed/"
        case (let inbox, let claimed): "(\(inbox) in inbox/, \(claimed) claimed in outbox/claimed/)"
        }
    }

    // MARK: Approvals

    func approvalProblems(_ snapshot: RootSnapshot, now: Date) -> [HealthProblem] {
        var problems: [HealthProblem] = []
        for waiting in snapshot.waiting {
            let approval = waiting.approval
            let file = layout.relative(layout.runningRecord(waiting.runId))
            let waited = now.timeIntervalSince(approval.requestedAt)
            if TakeoverPolicy.hasExpired(.waitingApproval, approval, at: now), let expiresAt = approval.expiresAt,
                now.timeIntervalSince(expiresAt) > takeoverGrace
            {
                let late = now.timeIntervalSince(expiresAt)
                problems.append(
                    HealthProblem(
                        .approvalOverdue,
                        "run \(waiting.runId) (\(waiting.workflow)) waits at approval step '\(approval.step)' for \(Self.age(waited)); its approval expired \(Self.age(late)) ago and no runner has failed it yet (a runner does so at its next look)",
                        fix:
                            "start or check a runner (it fails the run with approval_expired), or decide now: droprun approve|reject \(waiting.runId)",
                        runId: waiting.runId, file: file, ageSeconds: Self.seconds(late)))
            } else if let limit = settings.maxApprovalWaitSeconds, waited > Double(limit) {
                problems.append(
                    HealthProblem(
                        .approvalOverdue,
                        "run \(waiting.runId) (\(waiting.workflow)) has waited at approval step '\(approval.step)' for \(Self.age(waited)), more than health.maxApprovalWaitSeconds (\(Self.age(Double(limit))))",
                        fix: "approve, reject or cancel it: droprun approve|reject|cancel \(waiting.runId)", runId: waiting.runId, file: file,
                        ageSeconds: Self.seconds(waited)))
            }
        }
        return problems
    }

    // MARK: Runs held by dead runners

    /// Runs a gone runner holds (its live records, its claims, its checkpoint log) that nobody took over within `takeoverGrace`.
    func strandedRuns(_ snapshot: RootSnapshot, now: Date) -> [HealthProblem] {
        let policy = TakeoverPolicy(reading: liveness, now: now)
        var problems: [HealthProblem] = []
        for run in snapshot.live where run.status == .queued || run.status == .running {
            guard policy.shouldTakeOver(run.held) else { continue }
            let age = now.timeIntervalSince(strandedSince(run.holder, fallback: run.updatedAt))
            guard age > takeoverGrace else { continue }
            let file = layout.relative(layout.runningRecord(run.runId))
            let whose =
                run.holder.map { "is held by runner \($0), whose lease ran out" } ?? "was released by its runner (it names none)"
            problems.append(
                HealthProblem(
                    .runNotTakenOver,
                    "run \(run.runId) (\(run.status.rawValue)) \(whose), and no runner took it over in \(Self.age(age)) (twice leaseSeconds is \(Self.age(takeoverGrace)))",
                    runId: run.runId, file: file, runner: run.holder, ageSeconds: Self.seconds(age)))
        }
        // What else a gone runner holds: drops it claimed and did not admit, and runs whose newest state is only in its
        // checkpoint log (no live record, no result); one problem per runner.
        for runner in Set(folders(layout.claimed) + folders(layout.checkpoints)).sorted() where policy.isGone(runner) {
            let claimFolder = Path.join(layout.claimed, runner)
            let claims = ((try? fileSystem.list(claimFolder)) ?? []).map(\.name).sorted()
            let logFolder = layout.checkpointFolder(runner)
            let logged = CheckpointLog.read(folder: logFolder, fileSystem: fileSystem).keys.filter { runId in
                !fileSystem.exists(layout.runningRecord(runId)) && !fileSystem.exists(layout.result(runId))
            }.sorted()
            guard !claims.isEmpty || !logged.isEmpty else { continue }
            let segments = ((try? fileSystem.list(logFolder)) ?? []).map { Path.join(logFolder, $0.name) }
            let written = ([claimFolder] + segments).compactMap { (try? fileSystem.info($0))??.modified }.max() ?? now
            let age = now.timeIntervalSince(strandedSince(runner, fallback: written))
            guard age > takeoverGrace else { continue }
            var held: [String] = []
            if !claims.isEmpty {
                held.append("\(Self.count(claims.count, "claimed drop")) in \(layout.relative(claimFolder))/ (\(Self.some(claims)))")
            }
            if !logged.isEmpty {
                held.append(
                    "\(Self.count(logged.count, "run")) whose newest state is in its checkpoint log \(layout.relative(logFolder))/ (\(Self.some(logged)))"
                )
            }
            problems.append(
                HealthProblem(
                    .runNotTakenOver,
                    "dead runner \(runner) still holds \(held.joined(separator: " and ")), and no runner took them over in \(Self.age(age)) after its lease ran out (twice leaseSeconds is \(Self.age(takeoverGrace)))",
                    runId: claims.isEmpty && logged.count == 1 ? logged.first : nil,
                    file: layout.relative(claims.isEmpty ? logFolder : claimFolder) + "/", runner: runner, ageSeconds: Self.seconds(age)))
        }
        return problems
    }

    /// Since when what `runner` held could have been taken over: when its lease ran out (its heartbeat's time plus
    /// `leaseSeconds`), or, when its heartbeat is gone or it names no runner, when the file was last written (`fallback`).
    func strandedSince(_ runner: String?, fallback: Date) -> Date {
        guard let runner, let heartbeat = (try? fileSystem.info(layout.heartbeat(runner)))??.modified else { return fallback }
        return max(fallback, heartbeat.addingTimeInterval(lease))
    }

    /// The runners' folder names under `folder` (claim folders, checkpoint logs).
    private func folders(_ folder: String) -> [String] {
        ((try? fileSystem.list(folder)) ?? []).map(\.name).filter { !$0.hasPrefix(".") }.sorted()
    }

    // MARK: Files that cannot be read

    /// Live runs whose kept request (or kept workflow definition) is missing, unreadable or not the one admitted.
    func keptRequestProblems(_ snapshot: RootSnapshot) -> [HealthProblem] {
        var problems: [HealthProblem] = []
        for run in snapshot.live where !run.status.isFinal {
            let request = layout.request(run.runId)
            if let why = Self.problem(reading: request, expected: run.requestSHA256, fileSystem: fileSystem) {
                problems.append(
                    HealthProblem(
                        .unreadableRequest, "the kept request of run \(run.runId), \(layout.relative(request)), \(why): the run cannot resume",
                        runId: run.runId, file: layout.relative(request)))
            }
            guard run.workflowFile != nil else { continue }
            let kept = layout.keptWorkflow(run.runId)
            if let why = Self.problem(reading: kept, expected: run.workflowSHA256 ?? "", fileSystem: fileSystem) {
                problems.append(
                    HealthProblem(
                        .unreadableRequest,
                        "the workflow definition run \(run.runId) was admitted with, \(layout.relative(kept)), \(why): the run cannot resume",
                        runId: run.runId, file: layout.relative(kept)))
            }
        }
        return problems
    }

    /// Why the file at `path` cannot be used as the kept bytes whose sha256 is `expected` (empty: not known); nil when it can.
    static func problem(reading path: String, expected: String, fileSystem: any FileSystem) -> String? {
        do {
            let bytes = try fileSystem.readFile(path, maxBytes: 1 << 30)
            if !expected.isEmpty, SHA256.hex(bytes) != expected { return "was changed after admission (its sha256 is not the record's)" }
            return nil
        } catch {
            switch error {
            case .notFound: return "is missing"
            case .notRegular(let type): return "is \(type.phrase), not a regular file"
            case .tooLarge(let size, let limit): return "has \(size) bytes, more than the \(limit) droprun reads"
            case .unreadable(let e): return "cannot be read (\(e))"
            }
        }
    }

    /// Checkpoint logs with a segment that cannot be read or a damaged line.
    func checkpointLogProblems() -> [HealthProblem] {
        var problems: [HealthProblem] = []
        for runner in folders(layout.checkpoints) {
            let folder = layout.checkpointFolder(runner)
            guard (try? fileSystem.info(folder))??.type == .directory else { continue }
            var damaged: [UnreadableRecord] = []
            let (_, complete) = CheckpointLog.readAll(folder: folder, fileSystem: fileSystem) { damaged.append($0) }
            if !complete {
                problems.append(
                    HealthProblem(
                        .unreadableCheckpointLog,
                        "the checkpoint log of runner \(runner), \(layout.relative(folder))/, cannot be read whole (a segment or the folder is unreadable)",
                        file: layout.relative(folder) + "/", runner: runner))
            }
            for line in damaged {
                problems.append(
                    HealthProblem(
                        .unreadableCheckpointLog,
                        "a line of the checkpoint log of runner \(runner) cannot be read: \(layout.relative(line.path)): \(line.reason)",
                        file: layout.relative(line.path), runner: runner))
            }
        }
        return problems
    }

    /// Broken audit chains (`droprun audit verify`'s check).
    func auditProblems() -> [HealthProblem] {
        do {
            return try AuditVerifier.verifyAll(layout: layout, fileSystem: fileSystem).problems.map {
                HealthProblem(.auditBroken, "the audit chain is broken at \($0.file):\($0.line): \($0.message)", file: $0.file)
            }
        } catch {
            return [HealthProblem(.auditBroken, "the audit log (outbox/audit/) cannot be read: \(error)", file: "outbox/audit/")]
        }
    }

    // MARK: Words

    /// `1 run`, `3 runs`.
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// The first three names, and `...` when there are more.
    static func some(_ names: [String]) -> String { names.prefix(3).joined(separator: ", ") + (names.count > 3 ? ", ..." : "") }

    /// Whole seconds of an age, never negative.
    static func seconds(_ age: TimeInterval) -> Int { max(0, Int(age.rounded(.down))) }

    /// An age as people read it: `45s`, `12m`, `15m1s`, `3h5m`, `2d4h` (minutes to the second, hours to the minute, days to the hour).
    public static func age(_ age: TimeInterval) -> String {
        let s = seconds(age)
        switch s {
        case ..<60: return "\(s)s"
        case ..<3_600: return s % 60 == 0 ? "\(s / 60)m" : "\(s / 60)m\(s % 60)s"
        case ..<86_400: return s % 3_600 / 60 == 0 ? "\(s / 3_600)h" : "\(s / 3_600)h\(s % 3_600 / 60)m"
        default: return s % 86_400 / 3_600 == 0 ? "\(s / 86_400)d" : "\(s / 86_400)d\(s % 86_400 / 3_600)h"
        }
    }
}
