import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Serves one root: takes requests from the inbox, resumes what dead runners left, and runs them, `concurrency` at a time.
public struct Runner: Sendable {
    /// What the runner works with.
    public let context: EngineContext
    /// Runs this runner could not load (their kept request or record is damaged): not taken up again by this process.
    let unloadable = RunIDSet()
    /// Claimed files whose admission failed for now: tried again later, never a reason to stop.
    let deferred = DeferredClaims()

    public init(context: EngineContext) { self.context = context }

    /// Touches the heartbeat every `leaseSeconds / 3` (real time: the lease is judged by real file times) until cancelled.
    func keepHeartbeat() -> Task<Void, Never> {
        let heartbeat = context.heartbeat
        let every = Duration.milliseconds(max(200, context.configuration.leaseSeconds * 1000 / 3))
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: every)
                if Task.isCancelled { return }
                // A false renewal means another runner buried this one; the next write sees it and stops.
                _ = heartbeat.renew()
            }
        }
    }

    var intake: Intake { Intake(context: context) }

    /// Files taken from the inbox per round of `run --once`.
    static let batchSize = 256
    var recovery: Recovery { Recovery(context: context) }

    /// Processes everything in the inbox and every run it can resume, repeating until nothing it can do is left.
    ///
    /// Files that have not settled (`settleMs`) are waited for. A file this
    /// pass could not take (another runner took it, or the system refused the
    /// rename) is left alone. Runs that an approval it read made resumable are
    /// resumed before it returns.
    public func runOnce(onOutcome: @escaping @Sendable (RunOutcome) -> Void = { _ in }) async throws -> RunOnceSummary {
        try context.layout.createFolders(context.fileSystem)
        let heartbeat = context.heartbeat
        try heartbeat.start(mode: "once", startedAt: context.clock.now(), concurrency: context.configuration.concurrency)
        let keeper = keepHeartbeat()
        defer {
            keeper.cancel()
            // A clean stop leaves no checkpoint log (every run it holds is finished or published).
            context.checkpointLog.close()
            heartbeat.stop()
        }
        let scanner = InboxScanner(fileSystem: context.fileSystem, inbox: context.layout.inbox)
        var summary = RunOnceSummary()
        var refused: Set<String> = []
        var tracker = ArrivalTracker(settleMs: context.configuration.settleMs)
        var held = HeldClaims()

        // The inbox is listed once and worked through in batches; it is listed again when the list is used up
        // (so new arrivals are seen), or every round while files are settling.
        var listed: [InboxCandidate] = []
        var cursor = 0
        func list() throws {
            listed = try scanner.candidates().filter { !refused.contains($0.name) }
            cursor = 0
            let now = context.clock.now()
            for candidate in listed { tracker.observe(candidate, now: now) }
        }
        while true {
            var work = try recovery.scan(ignoring: unloadable.contents)
            // Files held because they did not parse while they may still be written: read again once changed, rejected once still.
            var admittedEarly: [Admitted] = held.isEmpty ? [] : try await revisit(&held)
            if cursor >= listed.count || context.configuration.settleMs > 0 {
                try list()
            }
            let now = context.clock.now()
            // A batch at a time, so a burst of any size drains in bounded memory.
            var taken = 0
            var nextLookMs: Int?
            while cursor < listed.count, taken < Self.batchSize {
                let candidate = listed[cursor]
                cursor += 1
                // Without events nothing shows a file is whole: one that does not parse is held rather than rejected.
                guard case .take = tracker.decision(candidate, now: now) else {
                    if case .wait(let ms?) = tracker.decision(candidate, now: now) { nextLookMs = min(nextLookMs ?? ms, ms) }
                    continue
                }
                do {
                    if var claimed = try intake.claim(candidate) {
                        claimed.mayBeIncomplete = true
                        tracker.forget(candidate.name)
                        work.append(.claimed(claimed))
                        taken += 1
                    }
                } catch {
                    refused.insert(candidate.name)
                    let outcome = Self.untaken(candidate, error)
                    onOutcome(outcome)
                    summary.append(outcome)
                }
            }
            if work.isEmpty && admittedEarly.isEmpty {
                if cursor < listed.count { continue }
                if let ms = held.nextLookMs(now: now) { nextLookMs = min(nextLookMs ?? ms, ms) }
                guard let waitMs = nextLookMs else {
                    // Nothing left from this listing: one more look for files that arrived meanwhile.
                    try list()
                    if listed.isEmpty { break }
                    continue
                }
                try await context.clock.sleep(for: .milliseconds(waitMs))
                cursor = listed.count
                continue
            }
            let listedNames = Set(listed.map(\.name))
            // Admit in order (control messages take effect before the runs of the batch start), then run.
            var runs: [Work] = []
            for item in work {
                guard case .claimed(let claimed) = item else {
                    runs.append(item)
                    continue
                }
                admittedEarly.append(try await admit(claimed, holding: &held))
            }
            for admitted in admittedEarly {
                for outcome in admitted.outcomes {
                    onOutcome(outcome)
                    summary.append(outcome)
                }
                if let run = admitted.run { runs.append(run) }
            }
            // While the batch runs, control messages dropped meanwhile are still read and applied.
            let sweeper = Task { try await sweepControlsWhileBusy(skipping: listedNames, onOutcome: onOutcome) }
            let ran = try await perform(runs, onOutcome: onOutcome)
            sweeper.cancel()
            summary.append(contentsOf: try await sweeper.value)
            summary.append(contentsOf: ran)
        }
        try await context.commit()
        await context.reaper.drain()
        return summary
    }

    /// Applies control messages that arrive in the inbox, until cancelled (polling in real time: a cadence, not logic).
    ///
    /// Files of the current listing (`skipping`) are left to the main loop, in
    /// their order; only files that arrived since are read, each once.
    func sweepControlsWhileBusy(skipping: Set<String>, onOutcome: @escaping @Sendable (RunOutcome) -> Void) async throws -> [RunOutcome] {
        var outcomes: [RunOutcome] = []
        var peeked: Set<String> = skipping
        let inbox = context.layout.inbox
        while true {
            do {
                try await Task.sleep(for: context.cancelPollInterval)
            } catch {
                return outcomes
            }
            for entry in (try? context.fileSystem.list(inbox)) ?? [] where InboxScanner.isRequestName(entry.name) && entry.rawName == nil {
                guard !peeked.contains(entry.name) else { continue }
                peeked.insert(entry.name)
                guard isControlMessage(entry.name) else { continue }
                let candidate = InboxCandidate(name: entry.name, info: FileInfo(type: .regular, size: 0, modified: .distantPast))
                guard let claimed = try intake.claim(candidate) else { continue }
                let admitted = try await admit(claimed)
                // A run here is a file that changed since it was read as a control message: run it like any other.
                var produced = admitted.outcomes
                if let run = admitted.run { produced += try await perform(run) }
                for outcome in produced {
                    onOutcome(outcome)
                    outcomes.append(outcome)
                }
            }
        }
    }

    /// Performs work items, at most `concurrency` at once.
    func perform(_ work: [Work], onOutcome: @escaping @Sendable (RunOutcome) -> Void) async throws -> [RunOutcome] {
        let limit = context.configuration.concurrency
        var outcomes: [RunOutcome] = []
        var failure: (any Error)?
        // Tasks never throw: one run's error must not cancel its siblings.
        await withTaskGroup(of: Result<[RunOutcome], any Error>.self) { group in
            var inFlight = 0
            func collect(_ result: Result<[RunOutcome], any Error>) {
                switch result {
                case .success(let produced): outcomes.append(contentsOf: produced)
                case .failure(let error): if failure == nil || error is LostLease { failure = error }
                }
            }
            for item in work {
                if inFlight >= limit, let finished = await group.next() {
                    inFlight -= 1
                    collect(finished)
                }
                inFlight += 1
                group.addTask {
                    do {
                        let produced = try await perform(item)
                        for outcome in produced { onOutcome(outcome) }
                        return .success(produced)
                    } catch is RunFinishedElsewhere {
                        return .success([])
                    } catch {
                        return .failure(error)
                    }
                }
            }
            for await finished in group { collect(finished) }
        }
        if let failure { throw failure }
        return outcomes
    }

    /// What admitting a claimed file led to.
    struct Admitted {
        /// Outcomes settled at once: a rejection, or an applied control message and what it ended.
        var outcomes: [RunOutcome] = []
        /// The run to start, when the file became one.
        var run: Work?
        /// True when the file was a control message (it may have made a run resumable).
        var wasControl = false
        /// True when the file did not parse while it may still be being written: it stays claimed, to be read again.
        var isIncomplete = false
    }

    /// Admits a claimed file: rejects it (durably, before saying so), applies it as a control message, or returns the run to start.
    ///
    /// A failure of this one file (the disk refused a write, a link, a rename)
    /// never stops the runner: the file stays claimed, an outcome says so, and
    /// it is tried again later (see `DeferredClaims`).
    func admit(_ claimed: ClaimedFile) async throws -> Admitted {
        let admission: Admission
        do {
            admission = try intake.admit(claimed)
        } catch {
            return postpone(claimed, error)
        }
        if case .control = admission {} else { deferred.settled(claimed.path) }
        switch admission {
        case .rejected(let rejection, _):
            try await context.commit()
            return Admitted(outcomes: [RunOutcome(kind: .rejected(rejection.reason), file: claimed.name, runId: nil, durationMs: nil,
                                                  detail: rejection.issues.first?.description)])
        case .control(let message, let file):
            do {
                let outcomes = try await ControlDesk(context: context, intake: intake).apply(message, file: file)
                deferred.settled(claimed.path)
                return Admitted(outcomes: outcomes, wasControl: true)
            } catch let error as FileSystemError {
                // Applied again later as a recovered claim, so a decision already recorded is not applied twice.
                return postpone(claimed, error)
            } catch {
                // Anything else a message meets (a record in a shape no transition fits) is this message's problem, never
                // the batch's: it is rejected with the reason, or tried again later if even that cannot be written.
                return rejectControl(message, file, error)
            }
        case .nothing:
            return Admitted()
        case .incomplete:
            return Admitted(isIncomplete: true)
        case .run(let record, let request, let claimPath):
            return Admitted(run: .admitted(record, request, claimPath: claimPath, file: claimed.name))
        }
    }

    /// What is said of an inbox file that could not be taken (left in the inbox, for a later runner).
    static func untaken(_ candidate: InboxCandidate, _ error: any Error) -> RunOutcome {
        let refused = (error as? FileSystemError).map { $0.code == EPERM || $0.code == EACCES } ?? false
        let hint = refused ? " (in an inbox with the sticky bit, only the file's owner or the inbox folder's owner may move it: let the runner's user own the inbox)" : ""
        return RunOutcome(kind: .deferred, file: candidate.name, runId: nil, durationMs: nil,
                          detail: "cannot take it from the inbox: \(error); it stays there\(hint)")
    }

    /// Rejects a control message that could not be applied (not for a reason of the disk), naming the error.
    private func rejectControl(_ message: ControlMessage, _ file: ClaimedFile, _ error: any Error) -> Admitted {
        let rejection = Rejection(.invalidState, "the \(message.verb) of run '\(message.runId)' could not be applied: \(error)", path: JSONPath.root.key("runId"))
        do {
            _ = try intake.reject(file, rejection)
        } catch {
            return postpone(file, error)
        }
        deferred.settled(file.path)
        return Admitted(outcomes: [RunOutcome(kind: .rejected(rejection.reason), file: file.name, runId: message.runId, durationMs: nil,
                                              detail: rejection.issues.first?.description)], wasControl: true)
    }

    /// Keeps a file that could not be admitted for a later try, and says so.
    private func postpone(_ claimed: ClaimedFile, _ error: any Error) -> Admitted {
        let wait = deferred.postpone(claimed, now: context.clock.now())
        let detail = "\(error); it stays in \(context.layout.relative(claimed.path)) and is tried again in \(Int(wait)) s, or by the next runner"
        return Admitted(outcomes: [RunOutcome(kind: .deferred, file: claimed.name, runId: nil, durationMs: nil, detail: detail)])
    }

    /// Performs one work item to its end (or to a wait, or to an interruption).
    func perform(_ item: Work) async throws -> [RunOutcome] {
        switch item {
        case .claimed(let claimed):
            let admitted = try await admit(claimed)
            guard let run = admitted.run else { return admitted.outcomes }
            return try await perform(run)
        case .admitted(let record, let request, let claimPath, let file):
            var executor = RunExecutor(context: context, request: request, record: record, placeholder: claimPath, origin: .fresh)
            return outcome(try await executor.execute(), file: file).map { [$0] } ?? []
        case .takeover(let runId, let path, let previous):
            guard let loaded = RunLoader(context: context).load(runId: runId, recordPath: path) else {
                // Not a record this runner can read: put it back for people to look at, and leave it alone.
                Recovery(context: context).putBack(runId, from: path)
                unloadable.insert(runId)
                return []
            }
            var executor = RunExecutor(context: context, request: loaded.request, record: loaded.record, placeholder: path,
                                       origin: .takenOver(previousRunner: previous))
            if loaded.record.status == .waitingApproval {
                if let approval = loaded.record.approval, !approval.hasExpired(at: context.clock.now()) {
                    // Its runner died as the run began to wait (the waiting state only in its checkpoint log):
                    // published as waiting, for an approval to find.
                    return outcome(try await executor.beginWaiting(), file: loaded.record.requestFile).map { [$0] } ?? []
                }
                let final = try await executor.expireApproval()
                return [RunOutcome(kind: .finished(final.status), file: final.requestFile, runId: runId, durationMs: final.durationMs, detail: final.error?.code.rawValue)]
            }
            if let problem = loaded.problem {
                let final = try await executor.failUnrunnable(problem)
                return [RunOutcome(kind: .finished(final.status), file: final.requestFile, runId: runId, durationMs: final.durationMs, detail: final.error?.code.rawValue)]
            }
            return outcome(try await executor.execute(), file: loaded.record.requestFile).map { [$0] } ?? []
        }
    }

    func outcome(_ end: ExecutionEnd, file: String) -> RunOutcome? {
        switch end {
        case .finished(let record):
            return RunOutcome(kind: .finished(record.status), file: file, runId: record.runId, durationMs: record.durationMs, detail: record.error?.code.rawValue)
        case .waiting(let record):
            return RunOutcome(kind: .waiting, file: file, runId: record.runId, durationMs: nil, detail: record.approval?.message)
        case .interrupted:
            return nil
        }
    }
}


/// A set of run ids shared by a runner's tasks.
final class RunIDSet: Sendable {
    private let ids = Mutex<Set<String>>([])
    func insert(_ id: String) { _ = ids.withLock { $0.insert(id) } }
    var contents: Set<String> { ids.withLock { $0 } }
}
