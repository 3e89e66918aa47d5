import Foundation

/// The one loop that serves a root, behind both `run --once` and `watch`.
///
/// Each look at the work is one batch (`nextBatch`): it takes over what dead
/// runners left, reads again the files held while they may be half-written,
/// offers again the claims whose admission failed, lists the inbox, lets files
/// settle, claims what may be taken (at most `batchSize` ahead), says what
/// could not be taken and admits the rest in order. The mode decides only how
/// the loop waits between batches and when it stops:
///
/// - `once` sleeps until the next settle time, runs each batch to its end
///   (reading control messages dropped meanwhile) and stops when nothing it
///   can do is left.
/// - `watch` waits for folder events, ticks and housekeeping, keeps up to
///   `concurrency` runs going, and stops on `context.stop`.
///
/// Its lifecycle is a private state (`Phase`) moved only by the legal moves of
/// `Phase.after(_:)`: a dispatcher runs once; a second `run` is refused.
actor Dispatcher {
    /// How the loop waits and when it stops.
    enum Mode: Sendable, Equatable {
        /// `run --once`: until nothing is left to do.
        case once
        /// `watch`: until a stop; running steps then get `grace` before they are interrupted.
        case watch(grace: Duration)

        /// True when a failure is met again at a later look: a take that failed is retried after a backoff, an
        /// admission that failed is deferred, a listing or scan that failed is tried at the next look.
        ///
        /// In `once` a name that could not be taken is left for this pass, and a disk error ends the pass.
        var retriesLater: Bool { self != .once }

        /// The heartbeat's mode.
        var name: String { self == .once ? "once" : "watch" }
    }

    /// Where the dispatcher is in its life.
    enum Phase: Sendable, Equatable, CaseIterable {
        /// Made, not started.
        case initial
        /// Taking and running work.
        case running
        /// Taking nothing more: letting what runs end (a stop, or `once` found nothing left), flushing.
        case draining
        /// Done; never started again.
        case finished

        /// The phase a move leads to, or the refusal of an illegal move.
        static func after(_ phase: Phase, _ move: Move) throws(DispatcherError) -> Phase {
            switch (phase, move) {
            case (.initial, .start): return .running
            case (.running, .drain): return .draining
            case (.running, .finish), (.draining, .finish): return .finished
            default: throw DispatcherError(phase: phase, move: move)
            }
        }
    }

    /// A move of the lifecycle.
    enum Move: Sendable, Equatable, CaseIterable {
        /// `run` begins.
        case start
        /// Nothing more is taken.
        case drain
        /// `run` returns (or throws).
        case finish
    }

    /// What admitting one claimed file led to (see `Runner.admit`).
    typealias Admitted = Runner.Admitted

    /// Files claimed ahead at most: a batch of `once`, the queue of `watch` (a burst of any size drains in bounded memory).
    static let batchSize = 256

    /// The runner whose context admissions use: replaced by a reload of `droprun.json` (runs in flight keep theirs).
    var runner: Runner
    let mode: Mode
    /// The runner's context (the configuration of new admissions after a reload).
    var context: EngineContext
    /// How `watch` follows `droprun.json` (nil: it keeps the configuration it was given).
    let reload: ConfigurationReload?
    private var phase = Phase.initial
    /// `once`: after a stop, how long running steps may finish before they are interrupted.
    let stopGrace: Duration

    // The state of the batches (see `Dispatcher+Batch.swift`), shared by both modes.
    let scanner: InboxScanner
    /// The latest listing of the inbox, worked through to its end before the inbox is listed again.
    var listed: [InboxCandidate] = []
    var cursor = 0
    /// True when the inbox must be listed once the current listing is used up.
    var needsListing = true
    var tracker: ArrivalTracker
    var held = HeldClaims()
    var nextRevisit = Date.distantPast
    /// Names whose take failed (`watch`: tried again after a backoff).
    var retryNames = RetryBackoff()
    /// Names whose take failed (`once`: left alone for the rest of the pass).
    var refused: Set<String> = []
    /// Names already looked at (taken, or read for a control message).
    var peeked: Set<String> = []
    /// Names that folder events said arrived since the last look (`watch`).
    var arrivals: [String] = []
    /// The inbox's events (`watch` on Linux; nil otherwise, where the loop lists).
    var watcher: FolderWatcher?

    init(runner: Runner, mode: Mode, reload: ConfigurationReload? = nil, stopGrace: Duration = .seconds(10)) {
        self.runner = runner
        self.stopGrace = stopGrace
        self.mode = mode
        self.reload = reload
        context = runner.context
        scanner = InboxScanner(fileSystem: runner.context.fileSystem, inbox: runner.context.layout.inbox)
        tracker = ArrivalTracker(settleMs: runner.context.configuration.settleMs)
    }

    /// The current phase (for tests and for the loop's own checks).
    var currentPhase: Phase { phase }

    /// Applies a lifecycle move; an illegal one is refused and changes nothing.
    func apply(_ move: Move) throws(DispatcherError) {
        phase = try Phase.after(phase, move)
    }

    /// Serves the root in this dispatcher's mode; returns what `once` did (empty for `watch`).
    ///
    /// - Throws: `DispatcherError` when it already ran; `RunnerStopped` when
    ///   `watch` had to stop (a lost lease, a disk error); the error that
    ///   ended a `once` pass.
    func run(onOutcome: @escaping @Sendable (RunOutcome) -> Void) async throws -> RunOnceSummary {
        try apply(.start)
        defer { try? apply(.finish) }
        try context.layout.createFolders(context.fileSystem)
        let heartbeat = context.heartbeat
        let content = RunnerHeartbeat.Content(
            mode: mode.name, startedAt: context.clock.now(), concurrency: context.configuration.concurrency,
            progress: RunnerHeartbeat.Progress(context.activity.snapshot))
        try heartbeat.start(content)
        let keeper = keepHeartbeat(content)
        defer {
            keeper.cancel()
            // A clean stop leaves no checkpoint log (every run it holds is finished or published).
            context.checkpointLog.close()
            context.verifyIndex()
            context.index.close()
            heartbeat.stop()
        }
        await ensureIndexBuilt()
        // Notifications still being delivered are waited for (at most Notifier.drainLimit) however the runner ends.
        let summary: RunOnceSummary
        do {
            switch mode {
            case .once:
                summary = try await runUntilIdle(onOutcome: onOutcome)
            case .watch(let grace):
                try await watchUntilStopped(grace: grace, onOutcome: onOutcome)
                summary = RunOnceSummary()
            }
        } catch {
            await context.notifier.drain(clock: context.clock)
            throw error
        }
        await context.notifier.drain(clock: context.clock)
        return summary
    }

    /// Renews the heartbeat every `leaseSeconds / 3` (real time: the lease is judged by real file times) until cancelled.
    ///
    /// A renewal writes the runner's progress (`context.activity`) into the
    /// file in place when it changed since the last write (`written`), and
    /// only touches it otherwise; neither ever brings back a removed heartbeat.
    private func keepHeartbeat(_ started: RunnerHeartbeat.Content) -> Task<Void, Never> {
        let heartbeat = context.heartbeat
        let context = context
        let every = Duration.milliseconds(max(200, context.configuration.leaseSeconds * 1000 / 3))
        return Task.detached {
            var written = started
            while !Task.isCancelled {
                try? await Task.sleep(for: every)
                if Task.isCancelled { return }
                // A lost renewal means another runner buried this one; the next write sees it and stops.
                written = heartbeat.renew(after: written, progress: RunnerHeartbeat.Progress(context.activity.snapshot)).says
                // An idle runner's last lines are checked too: its index file may have been removed under it.
                context.verifyIndex()
            }
        }
    }
}
