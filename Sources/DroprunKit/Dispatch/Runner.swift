import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Serves one root: takes requests from the inbox, resumes what dead runners left, and runs them, `concurrency` at a time.
public struct Runner: Sendable {
    /// What the runner works with.
    public private(set) var context: EngineContext
    /// Runs this runner could not load (their kept request or record is damaged): not taken up again by this process.
    let unloadable = RunIDSet()
    /// Claimed files whose admission failed for now: tried again later, never a reason to stop.
    let deferred = DeferredClaims()

    public init(context: EngineContext) { self.context = context }

    var intake: Intake { Intake(context: context) }

    /// The same runner under another configuration (a reload), for what it admits from now on.
    ///
    /// What it holds is shared, not copied: the claims deferred for a later
    /// try, the runs it cannot load, and everything of its context but the
    /// configuration (identity, audit chain, heartbeat, index, warnings).
    func reconfigured(_ configuration: Configuration) -> Runner {
        var runner = self
        runner.context.configuration = configuration
        return runner
    }

    var recovery: Recovery { Recovery(context: context) }

    /// Processes everything in the inbox and every run it can resume, repeating until nothing it can do is left.
    ///
    /// Files that have not settled (`settleMs`) are waited for. A file this
    /// pass could not take (another runner took it, or the system refused the
    /// rename) is left alone. Runs that an approval it read made resumable are
    /// resumed before it returns. See `Dispatcher` (its `once` mode). When `retention` sets anything, one gc pass
    /// (`RetentionPass`) follows, and its report is the summary's `gc`.
    ///
    /// On `context.stop` it claims nothing more, lets running steps finish for
    /// up to `grace`, interrupts the rest (checkpointed, resumed by the next
    /// runner), removes its heartbeat and returns a summary that says `stopped`.
    public func runOnce(grace: Duration = .seconds(10), onOutcome: @escaping @Sendable (RunOutcome) -> Void = { _ in }) async throws
        -> RunOnceSummary
    {
        var summary = try await Dispatcher(runner: self, mode: .once, stopGrace: grace).run(onOutcome: onOutcome)
        // One gc pass at the end when `retention` sets anything (skipped while another gc holds the lock).
        summary.gc = await RetentionPass.run(context: context)
        return summary
    }

    /// Serves the root until `context.stop` is triggered: claims drops as they arrive, `concurrency` runs at once.
    ///
    /// Wakes on inotify events from the inbox (Linux), and every
    /// `pollIntervalMs` in any case. Renews its heartbeat and looks for runs to
    /// take over every `leaseSeconds / 3`. Control messages are read and applied
    /// at once, even while every worker is busy. On stop it claims nothing more,
    /// lets running steps finish for up to `grace`, interrupts the rest (their
    /// records are checkpointed with the interrupted step pending), removes its
    /// heartbeat (so the next runner takes them over at once) and returns. See
    /// `Dispatcher` (its `watch` mode).
    ///
    /// With `reload`, it reads `droprun.json` again when the file changes and
    /// at each of `reload.requests` (SIGHUP): a valid file gives the
    /// configuration of the runs admitted from then on (see `ConfigurationWatch`).
    public func watch(
        grace: Duration = .seconds(10), reload: ConfigurationReload? = nil, onOutcome: @escaping @Sendable (RunOutcome) -> Void = { _ in }
    ) async throws {
        _ = try await Dispatcher(runner: self, mode: .watch(grace: grace), reload: reload).run(onOutcome: onOutcome)
    }

    /// Performs work items, at most `concurrency` at once (a batch of `run --once`).
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
            let run = TakenOverRun(
                record: loaded.record, request: loaded.request, problem: loaded.problem, placeholder: path, previousRunner: previous)
            return outcome(try await RunExecutor.resume(run, context: context), file: loaded.record.requestFile).map { [$0] } ?? []
        }
    }

    func outcome(_ end: ExecutionEnd, file: String) -> RunOutcome? {
        switch end {
        case .finished(let record):
            return .finished(record, file: file)
        case .waiting(let record):
            return RunOutcome(kind: .waiting, file: file, runId: record.runId, durationMs: nil, detail: record.approval?.message)
        case .interrupted:
            return nil
        }
    }
}
